//! Joint decoding: the newer column of one dump is the older column of the next, so
//! the readings of both dumps must produce the same paragraphs for the version they
//! share.
//!
//! Each body row has a small set of readings (unchanged for a doubled row; otherwise
//! added, removed, or changed at any word boundary). A reading puts a paragraph (or
//! nothing) into each column. For two dumps that show the same version, an alignment
//! is a choice of reading for every row of both such that the two columns are the same
//! sequence of paragraphs; it must also respect how News Sniffer orders rows (in a run
//! between two unchanged rows: changed rows first, then one-sided rows of one
//! polarity). A dynamic programme over (row of one dump, row of the other, run phase
//! of each) finds which readings take part in at least one alignment; readings that
//! take part in none are dropped, and the pruning is propagated along the chain until
//! nothing changes (arc consistency). A pair of dumps with no alignment at all is a
//! conflict: they hold two different texts for one version.

use crate::dump::{Dump, Format, Reading, RowKind, Side};
use crate::text::word_spans;
use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

/// Base of the rolling hash over word ids (odd, so powers never vanish mod 2^64).
const BASE: u64 = 0x9E37_79B9_7F4A_7C15;

/// A stable 64-bit id for a word (FNV-1a, then a mixer so that nearby words spread).
fn word_id(w: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in w.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

/// What kind of reading an option is, for the run-order rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Unchanged rows and pipe-table rows: they end a run.
    Fixed,
    Changed,
    Added,
    Removed,
}

impl Class {
    fn code(self) -> usize {
        match self {
            Class::Fixed => 1,
            Class::Changed => 2,
            Class::Added => 3,
            Class::Removed => 4,
        }
    }
}

/// One reading of a row: the paragraph it puts in each column, as a range of the row's
/// words.
#[derive(Clone, Debug)]
pub(crate) struct Opt {
    /// `None` for pipe-table rows (they cannot be forced).
    pub reading: Option<Reading>,
    pub class: Class,
    pub half: [Option<(u32, u32)>; 2],
}

pub(crate) struct RowModel {
    /// Index into `Dump::rows`.
    pub row: usize,
    /// 0-based line.
    pub line: usize,
    words: Vec<u64>,
    prefix: Vec<u64>,
    pub opts: Vec<Opt>,
}

impl RowModel {
    fn new(row: usize, line: usize, words: Vec<u64>, opts: Vec<Opt>) -> RowModel {
        let mut prefix = Vec::with_capacity(words.len() + 1);
        let mut h = 0u64;
        prefix.push(h);
        for w in &words {
            h = h.wrapping_mul(BASE).wrapping_add(*w);
            prefix.push(h);
        }
        RowModel {
            row,
            line,
            words,
            prefix,
            opts,
        }
    }

    fn key(&self, (s, e): (u32, u32), pow: &[u64]) -> (u64, u32) {
        let (s, e) = (s as usize, e as usize);
        (
            self.prefix[e].wrapping_sub(self.prefix[s].wrapping_mul(pow[e - s])),
            (e - s) as u32,
        )
    }

    fn slice(&self, (s, e): (u32, u32)) -> &[u64] {
        &self.words[s as usize..e as usize]
    }

    /// The option that is this reading.
    pub fn opt_of(&self, reading: Reading) -> Option<usize> {
        self.opts.iter().position(|o| o.reading == Some(reading))
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }
}

pub(crate) struct DumpModel {
    pub rows: Vec<RowModel>,
    pub truncated: bool,
    /// Whether each column's full text is in the file.
    pub complete: [bool; 2],
}

fn ids(text: &str) -> Vec<u64> {
    text.split_whitespace().map(word_id).collect()
}

/// The readings of every row of a dump. Rows a person chose (sidecar) keep only that
/// reading in [`base_domain`].
pub(crate) fn model(dump: &Dump) -> DumpModel {
    let mut rows = Vec::with_capacity(dump.rows.len());
    for (i, row) in dump.rows.iter().enumerate() {
        if row.kind == RowKind::Unreadable {
            continue;
        }
        let text = dump.slice(&row.span);
        let fixed = dump.format == Format::PipeTable || row.reading == Some(Reading::Unchanged);
        if fixed {
            // The halves as the reader found them.
            let old = row
                .old
                .as_ref()
                .map(|s| ids(dump.slice(s)))
                .unwrap_or_default();
            let new = row
                .new
                .as_ref()
                .map(|s| ids(dump.slice(s)))
                .unwrap_or_default();
            let (a, b) = (old.len() as u32, new.len() as u32);
            let half = [
                row.old.as_ref().map(|_| (0, a)),
                row.new.as_ref().map(|_| (a, a + b)),
            ];
            let mut words = old;
            words.extend(new);
            let opt = Opt {
                reading: row.reading,
                class: Class::Fixed,
                half,
            };
            rows.push(RowModel::new(i, row.line, words, vec![opt]));
            continue;
        }
        let spans = word_spans(text);
        let words: Vec<u64> = spans.iter().map(|s| word_id(&text[s.clone()])).collect();
        let n = words.len() as u32;
        let mut opts = Vec::with_capacity(words.len() + 2);
        opts.push(Opt {
            reading: Some(Reading::Added),
            class: Class::Added,
            half: [None, Some((0, n))],
        });
        opts.push(Opt {
            reading: Some(Reading::Removed),
            class: Class::Removed,
            half: [Some((0, n)), None],
        });
        for g in 1..spans.len() {
            opts.push(Opt {
                reading: Some(Reading::Changed {
                    split: spans[g - 1].end,
                }),
                class: Class::Changed,
                half: [Some((0, g as u32)), Some((g as u32, n))],
            });
        }
        rows.push(RowModel::new(i, row.line, words, opts));
    }
    DumpModel {
        rows,
        truncated: dump.truncated,
        complete: [dump.versions[0].complete, dump.versions[1].complete],
    }
}

/// Which readings of each row are still possible.
pub(crate) type Domain = Vec<Vec<bool>>;

/// Every reading possible, except that a person's choice is final.
pub(crate) fn base_domain(m: &DumpModel, dump: &Dump) -> Domain {
    m.rows
        .iter()
        .map(|r| {
            let row = &dump.rows[r.row];
            match (row.chosen, row.reading.and_then(|x| r.opt_of(x))) {
                (true, Some(o)) => (0..r.opts.len()).map(|i| i == o).collect(),
                _ => vec![true; r.opts.len()],
            }
        })
        .collect()
}

/// Two dumps showing the same version, in the given columns.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Constraint {
    pub x: usize,
    pub sx: Side,
    pub y: usize,
    pub sy: Side,
    pub version: u32,
}

pub(crate) enum Outcome {
    Feasible {
        x: Domain,
        y: Domain,
    },
    /// No alignment; the rows (model indices) where the furthest one stopped.
    Infeasible {
        x_row: Option<usize>,
        y_row: Option<usize>,
    },
}

/// Phase bits: 3 phases per dump (0: changed rows allowed, 1: additions, 2: removals),
/// so 9 joint states, bit `pa * 3 + pb`.
fn phase_step(p: usize, c: usize) -> Option<usize> {
    match c {
        0 => Some(p),
        1 => Some(0),
        2 => (p == 0).then_some(0),
        3 => (p != 2).then_some(1),
        _ => (p != 1).then_some(2),
    }
}

struct Tables {
    fwd: Vec<u16>,
    bwd: Vec<u16>,
}

/// `fwd[(ca * 5 + cb) * 512 + mask]`: the states reached; `bwd[...]`: the states
/// from which some state in `mask` is reached.
fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut fwd = vec![0u16; 25 * 512];
        let mut bwd = vec![0u16; 25 * 512];
        for ca in 0..5 {
            for cb in 0..5 {
                let image = |bit: usize| -> Option<usize> {
                    let (pa, pb) = (bit / 3, bit % 3);
                    Some(phase_step(pa, ca)? * 3 + phase_step(pb, cb)?)
                };
                for mask in 0..512usize {
                    let mut f = 0u16;
                    let mut b = 0u16;
                    for bit in 0..9 {
                        if let Some(t) = image(bit) {
                            if mask & (1 << bit) != 0 {
                                f |= 1 << t;
                            }
                            if mask & (1 << t) != 0 {
                                b |= 1 << bit;
                            }
                        }
                    }
                    fwd[(ca * 5 + cb) * 512 + mask] = f;
                    bwd[(ca * 5 + cb) * 512 + mask] = b;
                }
            }
        }
        Tables { fwd, bwd }
    })
}

/// The readings of both dumps that take part in some alignment of the shared column.
pub(crate) fn support(
    x: &DumpModel,
    dx: &Domain,
    sx: Side,
    y: &DumpModel,
    dy: &Domain,
    sy: Side,
    pow: &[u64],
) -> Outcome {
    let (nx, ny) = (x.rows.len(), y.rows.len());
    let (ix, iy) = (sx.index(), sy.index());
    // Paragraphs the other dump's rows can put into the shared column.
    let mut index: HashMap<(u64, u32), Vec<(u32, u16)>> = HashMap::new();
    for (j, r) in y.rows.iter().enumerate() {
        for (o, opt) in r.opts.iter().enumerate() {
            if let (true, Some(h)) = (dy[j][o], opt.half[iy]) {
                index
                    .entry(r.key(h, pow))
                    .or_default()
                    .push((j as u32, o as u16));
            }
        }
    }
    let mut matches: Vec<Vec<(u32, u16, u16)>> = vec![Vec::new(); nx];
    for (i, r) in x.rows.iter().enumerate() {
        for (o, opt) in r.opts.iter().enumerate() {
            let (true, Some(h)) = (dx[i][o], opt.half[ix]) else {
                continue;
            };
            if let Some(list) = index.get(&r.key(h, pow)) {
                for &(j, ob) in list {
                    let yr = &y.rows[j as usize];
                    let hy = yr.opts[ob as usize].half[iy].expect("indexed with a half");
                    if r.slice(h) == yr.slice(hy) {
                        matches[i].push((j, o as u16, ob));
                    }
                }
            }
        }
        matches[i].sort_unstable();
    }
    let silent = |m: &DumpModel, d: &Domain, side: usize| -> Vec<Vec<u16>> {
        m.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (0..r.opts.len())
                    .filter(|&o| d[i][o] && r.opts[o].half[side].is_none())
                    .map(|o| o as u16)
                    .collect()
            })
            .collect()
    };
    let all = |m: &DumpModel, d: &Domain| -> Vec<Vec<u16>> {
        m.rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (0..r.opts.len())
                    .filter(|&o| d[i][o])
                    .map(|o| o as u16)
                    .collect()
            })
            .collect()
    };
    let (silent_x, silent_y) = (silent(x, dx, ix), silent(y, dy, iy));
    let (all_x, all_y) = if x.truncated || y.truncated {
        (all(x, dx), all(y, dy))
    } else {
        (Vec::new(), Vec::new())
    };
    let cls_x = |i: usize, o: u16| x.rows[i].opts[o as usize].class.code();
    let cls_y = |j: usize, o: u16| y.rows[j].opts[o as usize].class.code();
    let t = tables();
    let fwd = |m: u16, ca: usize, cb: usize| t.fwd[(ca * 5 + cb) * 512 + m as usize];
    let bwd = |m: u16, ca: usize, cb: usize| t.bwd[(ca * 5 + cb) * 512 + m as usize];
    let w = ny + 1;
    let cell = |i: usize, j: usize| i * w + j;
    let matches_at = |i: usize, j: usize| -> &[(u32, u16, u16)] {
        let m = &matches[i];
        let a = m.partition_point(|e| (e.0 as usize) < j);
        let b = m.partition_point(|e| (e.0 as usize) <= j);
        &m[a..b]
    };
    // Forward: which states are reachable.
    let mut f = vec![0u16; (nx + 1) * w];
    f[0] = 1;
    for i in 0..=nx {
        for j in 0..=ny {
            let m = f[cell(i, j)];
            if m == 0 {
                continue;
            }
            if i < nx {
                for &o in &silent_x[i] {
                    f[cell(i + 1, j)] |= fwd(m, cls_x(i, o), 0);
                }
                if y.truncated && j == ny {
                    for &o in &all_x[i] {
                        f[cell(i + 1, j)] |= fwd(m, cls_x(i, o), 0);
                    }
                }
            }
            if j < ny {
                for &o in &silent_y[j] {
                    f[cell(i, j + 1)] |= fwd(m, 0, cls_y(j, o));
                }
                if x.truncated && i == nx {
                    for &o in &all_y[j] {
                        f[cell(i, j + 1)] |= fwd(m, 0, cls_y(j, o));
                    }
                }
            }
            if i < nx && j < ny {
                for &(_, oa, ob) in matches_at(i, j) {
                    f[cell(i + 1, j + 1)] |= fwd(m, cls_x(i, oa), cls_y(j, ob));
                }
            }
        }
    }
    if f[cell(nx, ny)] == 0 {
        let mut best: Option<(usize, usize)> = None;
        for i in 0..=nx {
            for j in 0..=ny {
                if f[cell(i, j)] != 0 && best.is_none_or(|(bi, bj)| (i + j, i) > (bi + bj, bi)) {
                    best = Some((i, j));
                }
            }
        }
        let (i, j) = best.unwrap_or((0, 0));
        return Outcome::Infeasible {
            x_row: (i < nx).then_some(i),
            y_row: (j < ny).then_some(j),
        };
    }
    // Backward: which states reach the end; mark the readings on such paths.
    let mut b = vec![0u16; (nx + 1) * w];
    b[cell(nx, ny)] = 0x1ff;
    let mut sup_x: Domain = x.rows.iter().map(|r| vec![false; r.opts.len()]).collect();
    let mut sup_y: Domain = y.rows.iter().map(|r| vec![false; r.opts.len()]).collect();
    for i in (0..=nx).rev() {
        for j in (0..=ny).rev() {
            if i == nx && j == ny {
                continue;
            }
            let here = f[cell(i, j)];
            let mut acc = 0u16;
            if i < nx {
                let target = b[cell(i + 1, j)];
                if target != 0 {
                    let mut step = |o: u16| {
                        let src = bwd(target, cls_x(i, o), 0);
                        acc |= src;
                        if here & src != 0 {
                            sup_x[i][o as usize] = true;
                        }
                    };
                    silent_x[i].iter().for_each(|&o| step(o));
                    if y.truncated && j == ny {
                        all_x[i].iter().for_each(|&o| step(o));
                    }
                }
            }
            if j < ny {
                let target = b[cell(i, j + 1)];
                if target != 0 {
                    let mut step = |o: u16| {
                        let src = bwd(target, 0, cls_y(j, o));
                        acc |= src;
                        if here & src != 0 {
                            sup_y[j][o as usize] = true;
                        }
                    };
                    silent_y[j].iter().for_each(|&o| step(o));
                    if x.truncated && i == nx {
                        all_y[j].iter().for_each(|&o| step(o));
                    }
                }
            }
            if i < nx && j < ny {
                let target = b[cell(i + 1, j + 1)];
                if target != 0 {
                    for &(_, oa, ob) in matches_at(i, j) {
                        let src = bwd(target, cls_x(i, oa), cls_y(j, ob));
                        acc |= src;
                        if here & src != 0 {
                            sup_x[i][oa as usize] = true;
                            sup_y[j][ob as usize] = true;
                        }
                    }
                }
            }
            b[cell(i, j)] = acc;
        }
    }
    Outcome::Feasible { x: sup_x, y: sup_y }
}

/// The models, domains and constraints of one chain.
pub(crate) struct Joint {
    pub models: Vec<DumpModel>,
    pub constraints: Vec<Constraint>,
    pub active: Vec<bool>,
    touching: Vec<Vec<usize>>,
    pow: Vec<u64>,
}

/// A constraint that has no alignment: where its dumps part ways.
pub(crate) struct Failure {
    pub constraint: usize,
    pub x_row: Option<usize>,
    pub y_row: Option<usize>,
}

impl Joint {
    pub fn new(models: Vec<DumpModel>, constraints: Vec<Constraint>) -> Joint {
        let mut touching = vec![Vec::new(); models.len()];
        for (i, c) in constraints.iter().enumerate() {
            touching[c.x].push(i);
            if c.y != c.x {
                touching[c.y].push(i);
            }
        }
        let longest = models
            .iter()
            .flat_map(|m| m.rows.iter().map(|r| r.len()))
            .max()
            .unwrap_or(0);
        let mut pow = Vec::with_capacity(longest + 1);
        let mut p = 1u64;
        for _ in 0..=longest {
            pow.push(p);
            p = p.wrapping_mul(BASE);
        }
        let active = vec![true; constraints.len()];
        Joint {
            models,
            constraints,
            active,
            touching,
            pow,
        }
    }

    pub fn touching(&self, dump: usize) -> &[usize] {
        &self.touching[dump]
    }

    /// Prunes `domains` until every active constraint in the queue (and those it
    /// affects) is satisfied; the first constraint found impossible is returned.
    pub fn propagate(&self, domains: &mut [Domain], start: &[usize]) -> Result<(), Failure> {
        let mut queue: VecDeque<usize> = VecDeque::new();
        let mut queued = vec![false; self.constraints.len()];
        for &c in start {
            if self.active[c] && !queued[c] {
                queued[c] = true;
                queue.push_back(c);
            }
        }
        while let Some(ci) = queue.pop_front() {
            queued[ci] = false;
            let c = self.constraints[ci];
            let (mx, my) = (&self.models[c.x], &self.models[c.y]);
            match support(mx, &domains[c.x], c.sx, my, &domains[c.y], c.sy, &self.pow) {
                Outcome::Infeasible { x_row, y_row } => {
                    return Err(Failure {
                        constraint: ci,
                        x_row,
                        y_row,
                    })
                }
                Outcome::Feasible { x, y } => {
                    let mut changed = Vec::new();
                    for (d, sup) in [(c.x, x), (c.y, y)] {
                        let mut any = false;
                        for (row, s) in domains[d].iter_mut().zip(sup) {
                            for (cur, ok) in row.iter_mut().zip(s) {
                                if *cur && !ok {
                                    *cur = false;
                                    any = true;
                                }
                            }
                        }
                        if any {
                            changed.push(d);
                        }
                    }
                    for d in changed {
                        for &other in &self.touching[d] {
                            if other != ci && self.active[other] && !queued[other] {
                                queued[other] = true;
                                queue.push_back(other);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}
