//! Small text helpers shared by the reader and the diff engine: words, sentences,
//! shingles. News text is full of curly quotes and dashes, so punctuation is judged by
//! Unicode class, never by ASCII alone.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;

/// A small, fast, non-cryptographic hasher for the reader's many word and shingle
/// tables (the keys are already hashes, or short; no untrusted-key DoS concern here
/// that SipHash would be worth its cost for).
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(SEED);
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

/// Mixes a sequence of 64-bit values into one hash (for shingles).
/// How many items two sorted multisets have in common (the size of their multiset
/// intersection).
pub fn shared_sorted(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

pub fn mix(values: &[u64]) -> u64 {
    let mut h = FastHasher(0x2545_f491_4f6c_dd1d);
    for v in values {
        h.write_u64(*v);
    }
    // Final avalanche so nearby inputs spread over the table.
    let mut x = h.0;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

/// A 64-bit hash of a byte string, eight bytes per step (for telling texts apart in
/// memory; the sidecar's stable text hash is FNV, in `dump::choices`).
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = FastHasher(bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h.write_u64(u64::from_le_bytes(c.try_into().expect("eight bytes")));
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h.write_u64(u64::from_le_bytes(tail));
    mix(&[h.0])
}

/// Characters that may close a sentence (before optional closing quotes/brackets).
pub fn is_terminal(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '…' | '。' | '！' | '？')
}

/// Closing quotes and brackets that may follow a sentence's terminal punctuation.
pub fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | ')' | ']' | '»' | '›' | '」' | '』'
    )
}

/// Opening quotes and brackets a sentence may start with.
pub fn is_opener(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '“' | '‘' | '(' | '[' | '«' | '‹' | '「' | '『' | '¿' | '¡'
    )
}

/// Whether `s` ends like a complete sentence (`.`, `?`, `!`, possibly inside quotes).
pub fn ends_sentence(s: &str) -> bool {
    let mut it = s.chars().rev().skip_while(|&c| is_closer(c));
    match it.next() {
        Some(c) => is_terminal(c),
        None => false,
    }
}

/// Whether `s` starts like a sentence: a capital, digit, or opening quote/bracket
/// followed by one; CJK text has no case, so any ideograph counts.
pub fn starts_sentence(s: &str) -> bool {
    let mut it = s
        .chars()
        .skip_while(|&c| is_opener(c) || c == '—' || c == '–');
    match it.next() {
        Some(c) => {
            c.is_uppercase()
                || c.is_numeric()
                || (c.is_alphabetic() && !c.is_lowercase() && !c.is_uppercase())
        }
        None => false,
    }
}

/// Byte ranges of the words of `s`: maximal runs of non-whitespace.
pub fn word_spans(s: &str) -> Vec<Range<usize>> {
    // About one word per six bytes of news text.
    let mut out = Vec::with_capacity(s.len() / 6 + 1);
    let b = s.as_bytes();
    let mut start = None;
    let mut i = 0;
    while i < b.len() {
        // ASCII bytewise; other characters decoded (`char::is_whitespace` on both).
        let (white, len) = if b[i] < 0x80 {
            (matches!(b[i], b' ' | 0x09..=0x0d), 1)
        } else {
            let c = s[i..].chars().next().expect("i is a char boundary");
            (c.is_whitespace(), c.len_utf8())
        };
        if white {
            if let Some(st) = start.take() {
                out.push(st..i);
            }
        } else if start.is_none() {
            start = Some(i);
        }
        i += len;
    }
    if let Some(st) = start {
        out.push(st..s.len());
    }
    out
}

/// A word reduced for matching: lowercase letters and digits only (FNV-1a over the
/// folded characters; ASCII takes a fast path).
pub fn word_key(w: &str) -> u64 {
    key_more(WORD_KEY_START, w)
}

const WORD_KEY_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues a word key over more text: `key_more(word_key(a), b)` is the key of `a`
/// and `b` written together (FNV's state is its value).
pub fn key_more(mut h: u64, w: &str) -> u64 {
    if w.is_ascii() {
        for folded in w.bytes().filter_map(ascii_key_byte) {
            h = fnv_step(h, folded as u32);
        }
        return h;
    }
    for c in w.chars() {
        h = key_char(h, c);
    }
    h
}

/// For a plain ASCII word, in one pass: its key (as [`word_key`]), how many letters
/// and digits it has, and whether any is a digit. `None` for any other word.
pub fn word_key_ascii(w: &str) -> Option<(u64, usize, bool)> {
    if !w.is_ascii() {
        return None;
    }
    let (mut h, mut letters, mut numeric) = (WORD_KEY_START, 0, false);
    for &c in w.as_bytes() {
        if let Some(folded) = ascii_key_byte(c) {
            h = fnv_step(h, folded as u32);
            letters += 1;
            numeric |= c.is_ascii_digit();
        }
    }
    Some((h, letters, numeric))
}

/// One FNV-1a step.
#[inline]
fn fnv_step(h: u64, c: u32) -> u64 {
    (h ^ c as u64).wrapping_mul(0x0100_0000_01b3)
}

/// A word key continued over one character: letters and digits lowercased, the rest
/// left out.
#[inline]
fn key_char(mut h: u64, c: char) -> u64 {
    if c.is_ascii() {
        if let Some(folded) = ascii_key_byte(c as u8) {
            h = fnv_step(h, folded as u32);
        }
    } else if is_punctuation_block(c) {
        // Curly quotes, dashes, ellipses: frequent in news text, never letters or
        // digits, and slow to look up.
    } else if c.is_alphanumeric() {
        for l in c.to_lowercase() {
            h = fnv_step(h, l as u32);
        }
    }
    h
}

/// What an ASCII byte is to a word key: whitespace, a letter or digit (lowercased), or
/// anything else (left out of the key).
const ASCII_WHITE: u8 = 0xFF;
const ASCII_SKIP: u8 = 0;
const ASCII_CLASS: [u8; 128] = {
    let mut t = [ASCII_SKIP; 128];
    let mut c = 0;
    while c < 128 {
        let b = c as u8;
        t[c] = if matches!(b, b' ' | 0x09..=0x0d) {
            ASCII_WHITE
        } else if b.is_ascii_alphanumeric() {
            b.to_ascii_lowercase()
        } else {
            ASCII_SKIP
        };
        c += 1;
    }
    t
};

/// What an ASCII byte adds to a word key: the letter or digit lowercased; nothing for
/// anything else (whitespace included).
#[inline]
fn ascii_key_byte(c: u8) -> Option<u8> {
    let class = ASCII_CLASS[c as usize];
    (class != ASCII_WHITE && class != ASCII_SKIP).then_some(class)
}

/// Unicode's General Punctuation block (U+2000 to U+206F): spaces, dashes, quotes and
/// other marks, none of them a letter or digit.
#[inline]
fn is_punctuation_block(c: char) -> bool {
    ('\u{2000}'..='\u{206F}').contains(&c)
}

/// The keys of the words of `s`: `word_key` of each of `word_spans(s)`, in one pass.
pub fn word_keys(s: &str) -> Vec<u64> {
    let b = s.as_bytes();
    let n = b.len();
    let mut out = Vec::with_capacity(n / 6 + 1);
    let mut i = 0;
    // ASCII by table; other characters decoded (`char::is_whitespace` on both).
    loop {
        // Whitespace up to the next word.
        loop {
            let Some(&c) = b.get(i) else {
                return out;
            };
            if c < 0x80 {
                if ASCII_CLASS[c as usize] != ASCII_WHITE {
                    break;
                }
                i += 1;
            } else {
                let ch = s[i..].chars().next().expect("i is a char boundary");
                if !ch.is_whitespace() {
                    break;
                }
                i += ch.len_utf8();
            }
        }
        // The word.
        let mut h = WORD_KEY_START;
        while let Some(&c) = b.get(i) {
            if c < 0x80 {
                let class = ASCII_CLASS[c as usize];
                if class == ASCII_WHITE {
                    break;
                }
                if class != ASCII_SKIP {
                    h = fnv_step(h, class as u32);
                }
                i += 1;
            } else {
                let ch = s[i..].chars().next().expect("i is a char boundary");
                if ch.is_whitespace() {
                    break;
                }
                h = key_char(h, ch);
                i += ch.len_utf8();
            }
        }
        out.push(h);
    }
}

/// The word keys of `p` written twice with no separator (an unchanged row), from one
/// pass over `p`: where `p` starts and ends inside a word, its last and first words
/// fuse into one.
pub fn doubled_word_keys(p: &str) -> Vec<u64> {
    let keys = word_keys(p);
    let white = |c: Option<char>| c.is_none_or(char::is_whitespace);
    let Some(&last) = keys.last() else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(2 * keys.len());
    if white(p.chars().next()) || white(p.chars().next_back()) {
        out.extend_from_slice(&keys);
        out.extend_from_slice(&keys);
        return out;
    }
    let first_word = p.split(char::is_whitespace).next().unwrap_or("");
    out.extend_from_slice(&keys[..keys.len() - 1]);
    out.push(key_more(last, first_word));
    out.extend_from_slice(&keys[1..]);
    out
}

/// Byte ranges of the sentences of a paragraph: a sentence ends at terminal
/// punctuation (plus closing quotes) followed by whitespace and a sentence start.
pub fn sentence_spans(s: &str) -> Vec<Range<usize>> {
    let words = word_spans(s);
    sentence_word_ranges(s, &words)
        .into_iter()
        .map(|r| words[r.start].start..words[r.end - 1].end)
        .collect()
}

/// The sentences of `s` (as [`sentence_spans`] cuts them) as ranges of indices into
/// `words`, which must be `word_spans(s)`. Every range is non-empty; a sentence's words
/// are exactly `word_spans` of its text, so callers can key words once per paragraph.
pub fn sentence_word_ranges(s: &str, words: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, w) in words.iter().enumerate() {
        let st = *start.get_or_insert(i);
        let text = &s[w.clone()];
        let boundary = match words.get(i + 1) {
            None => true,
            Some(next) => {
                ends_sentence(text) && starts_sentence(&s[next.clone()]) && !is_abbreviation(text)
            }
        };
        if boundary {
            out.push(st..i + 1);
            start = None;
        }
    }
    out
}

/// Common abbreviations that end in a period without ending a sentence.
pub fn is_abbreviation(word: &str) -> bool {
    const ABBR: &[&str] = &[
        "Mr.", "Mrs.", "Ms.", "Dr.", "Prof.", "Sen.", "Rep.", "Gov.", "Gen.", "Lt.", "Col.",
        "Sgt.", "Capt.", "Cmdr.", "St.", "Jr.", "Sr.", "Inc.", "Corp.", "Co.", "Ltd.", "No.",
        "vs.", "U.S.", "U.K.", "U.N.", "E.U.", "Jan.", "Feb.", "Mar.", "Apr.", "Aug.", "Sept.",
        "Sep.", "Oct.", "Nov.", "Dec.", "a.m.", "p.m.", "e.g.", "i.e.", "Mt.", "Ft.", "Gen.",
        "Adm.", "Rev.",
    ];
    if ABBR.contains(&word) {
        return true;
    }
    // Single initials such as "L." in "Robert L. Satcher".
    let mut chars = word.chars();
    matches!(
        (chars.next(), chars.next(), chars.next()),
        (Some(initial), Some('.'), None) if initial.is_uppercase()
    )
}

/// Hashes of the `n`-word shingles of `s` (word keys, so case and punctuation do not
/// matter). A text shorter than `n` words yields nothing.
pub fn shingles(s: &str, n: usize) -> Vec<u64> {
    let keys: Vec<u64> = word_spans(s).into_iter().map(|r| word_key(&s[r])).collect();
    if keys.len() < n {
        return Vec::new();
    }
    keys.windows(n).map(mix).collect()
}

/// Folds every whitespace run to one space and trims the ends.
pub fn fold_whitespace(s: &str) -> String {
    if is_folded(s) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for (i, w) in s.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Whether `s` is already as [`fold_whitespace`] leaves it: single ASCII spaces
/// between words and none at either end. Checked bytewise, since paragraphs nearly
/// always are; any byte that could start a non-ASCII whitespace character (U+0085,
/// U+00A0, U+1680, U+2000–U+205F, U+3000) sends the text down the slow path, except
/// the common punctuation of news text (curly quotes, dashes, ellipsis: E2 80 90–A7).
pub fn is_folded(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let mut prev_space = false;
    let mut i = 0;
    while i < b.len() {
        // Eight plain ASCII bytes at a time: no control bytes, no two spaces together.
        if let Some(chunk) = b.get(i..i + 8) {
            const HIGH: u64 = 0x8080_8080_8080_8080;
            const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
            let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let ascii = x & HIGH == 0;
            // Some byte below 0x20 (exact when every byte is ASCII).
            let control = x.wrapping_sub(0x2020_2020_2020_2020) & !x & HIGH != 0;
            if ascii && !control {
                // The high bit of each byte that is a space, exactly.
                let s = x ^ 0x2020_2020_2020_2020;
                let spaces = !(((s & LOW7) + LOW7) | s | LOW7);
                if spaces & (spaces >> 8) == 0 && !(prev_space && spaces & 0x80 != 0) {
                    prev_space = spaces >> 63 != 0;
                    i += 8;
                    continue;
                }
            }
        }
        let c = b[i];
        if c < 0x80 {
            if c == b' ' {
                if prev_space {
                    return false;
                }
                prev_space = true;
            } else if c.is_ascii_whitespace() || c == 0x0b {
                return false;
            } else {
                prev_space = false;
            }
            i += 1;
            continue;
        }
        prev_space = false;
        match c {
            0xC2 | 0xE1 | 0xE3 => return false,
            0xE2 => {
                if b.get(i + 1) != Some(&0x80) || !(0x90..=0xA7).contains(&b[i + 2]) {
                    return false;
                }
                i += 3;
            }
            _ => i += 1,
        }
    }
    true
}

/// How many CRs of a text are not part of a CRLF: line breaks of their own for an
/// editor, but not for the reader's line table.
pub fn lone_crs_in(b: &[u8]) -> usize {
    memchr::memchr_iter(b'\r', b)
        .filter(|&at| b.get(at + 1) != Some(&b'\n'))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_carriage_returns() {
        assert_eq!(lone_crs_in("a\r\nb\n“c”".as_bytes()), 0);
        assert_eq!(lone_crs_in(b"a\rb\r\n"), 1);
        assert_eq!(lone_crs_in(b"a\r\r\nb\r"), 2);
    }

    fn keys_by_spans(s: &str) -> Vec<u64> {
        word_spans(s).into_iter().map(|r| word_key(&s[r])).collect()
    }

    #[test]
    fn word_keys_in_one_pass_are_the_keys_of_the_spans() {
        let texts = [
            "",
            " ",
            "Word",
            "“Quoted,” she said — café Ünïcode.",
            " leading and trailing ",
            "tabs\tand\u{a0}no-break\u{2003}em space\u{3000}日本語 😀 emoji",
            "Straße İstanbul ǅ ΣΑΣ",
            "\u{85}next line\u{85}",
            "a\r\nb",
        ];
        for t in texts {
            assert_eq!(word_keys(t), keys_by_spans(t), "{t:?}");
            let doubled = format!("{t}{t}");
            assert_eq!(doubled_word_keys(t), keys_by_spans(&doubled), "{t:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn is_folded_never_says_folded_wrongly(t in "[ a-z.\t\n\u{b}\u{1}\u{a0}\u{2003}“—é日😀]{0,40}") {
            proptest::prop_assert!(!is_folded(&t) || fold_whitespace(&t) == t);
            // Texts of plain words and single spaces are always recognised.
            let folded = fold_whitespace(&t.replace(|c: char| !c.is_ascii_alphanumeric() && c != ' ', " "));
            proptest::prop_assert!(is_folded(&folded), "{:?}", folded);
        }

        #[test]
        fn word_keys_agree_on_any_text(t in "[ a-zA-Z0-9.,\u{a0}\u{2003}“”é日😀\t-]{0,40}") {
            proptest::prop_assert_eq!(word_keys(&t), keys_by_spans(&t));
            let doubled = format!("{t}{t}");
            proptest::prop_assert_eq!(doubled_word_keys(&t), keys_by_spans(&doubled));
        }
    }

    #[test]
    fn the_punctuation_block_holds_no_letter_or_digit() {
        for c in ('\u{2000}'..='\u{206F}').chain(['\u{1FFF}', '\u{2070}', '\u{2071}']) {
            assert_eq!(
                is_punctuation_block(c),
                !c.is_alphanumeric() && (0x2000..=0x206F).contains(&(c as u32)),
                "{c:?}"
            );
        }
    }

    #[test]
    fn word_spans_are_the_whitespace_separated_words() {
        for s in [
            "",
            "   ",
            "one",
            " Two  words ",
            "tab\tand\nnewline\u{0B}vt\u{0C}ff\rcr",
            "no\u{A0}break em\u{2003}space 日本\u{3000}語 \u{85}nel",
            "“Curly” — dashes 🎉 Café",
        ] {
            let got: Vec<&str> = word_spans(s).into_iter().map(|r| &s[r]).collect();
            let want: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(got, want, "{s:?}");
        }
    }

    #[test]
    fn is_folded_agrees_with_folding() {
        let samples = [
            "",
            "a",
            "Plain words here.",
            "Two  spaces",
            " leading",
            "trailing ",
            "tab\there",
            "line\nbreak",
            "vertical\u{0B}tab",
            "“Curly” quotes — dashes – and… ellipsis",
            "no\u{A0}break",
            "em\u{2003}space",
            "ideographic\u{3000}space",
            "narrow\u{202F}space",
            "日本語 テキスト",
            "emoji 🎉 here",
            "Café © «guillemets»",
            "line\u{2028}separator",
        ];
        for s in samples {
            // Never says folded when it is not; may say not folded when it is.
            assert!(!is_folded(s) || fold_whitespace(s) == s, "{s:?}");
        }
        for s in [
            "Plain words here.",
            "“Curly” quotes — dashes – and… ellipsis",
            "emoji 🎉 here",
        ] {
            assert!(is_folded(s), "{s:?}");
        }
        // Whatever the offset, against the eight-byte steps.
        let plain = "abcdefgh ijklmnop qrstuvwx yz";
        for k in 1..plain.len() - 1 {
            for bad in ["  ", "\t", "\u{A0}", "\u{B}"] {
                let s = format!("{}{bad}{}", &plain[..k], &plain[k..]);
                assert!(!is_folded(&s), "{s:?}");
            }
            let s = format!("{} {}", &plain[..k], &plain[k..]);
            assert_eq!(is_folded(&s), !s.contains("  "), "{s:?}");
        }
        for s in [
            "Two  spaces",
            " leading",
            "trailing ",
            "no\u{A0}break",
            "em\u{2003}space",
        ] {
            assert!(!is_folded(s), "{s:?}");
        }
    }

    #[test]
    fn sentences_with_quotes_and_initials() {
        let p = "Robert L. Satcher spoke. He said: “It worked.” Then Mr. Kim left! 日本";
        let s: Vec<&str> = sentence_spans(p).into_iter().map(|r| &p[r]).collect();
        assert_eq!(
            s,
            vec![
                "Robert L. Satcher spoke.",
                "He said: “It worked.”",
                "Then Mr. Kim left!",
                "日本"
            ]
        );
    }

    #[test]
    fn ends_and_starts() {
        assert!(ends_sentence("countries.”"));
        assert!(!ends_sentence("countries,"));
        assert!(starts_sentence("“We"));
        assert!(starts_sentence("2019"));
        assert!(!starts_sentence("and"));
    }

    #[test]
    fn shingles_ignore_case_and_punctuation() {
        assert_eq!(
            shingles("The quick, brown fox jumps", 5),
            shingles("the quick brown fox jumps.", 5)
        );
        assert!(shingles("too short", 5).is_empty());
    }
}
