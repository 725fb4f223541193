"""Semantic tokens: the legend and the removed/added words coloured in place."""

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import DUMPS, EXAMPLE, open_doc, lines, units


def decode(data):
    out, line, col = [], 0, 0
    for i in range(0, len(data), 5):
        dl, ds, ln, ty, mods = data[i : i + 5]
        line += dl
        col = ds if dl else col + ds
        out.append((line, col, ln, ty))
    return out


def slice_units(s: str, start: int, length: int, enc: str) -> str:
    acc, a, b = 0, None, None
    for i, c in enumerate(s):
        if acc == start and a is None:
            a = i
        acc += units(c, enc)
        if acc == start + length:
            b = i + 1
            break
    return s[a:b]




@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.stem)
async def test_tokens_cover_changed_words(client: LanguageClient, path):
    uri, text = await open_doc(client, path)
    toks = await client.text_document_semantic_tokens_full_async(
        t.SemanticTokensParams(text_document=t.TextDocumentIdentifier(uri=uri))
    )
    decoded = decode(toks.data)
    assert decoded
    ls = lines(text)
    prev = (-1, -1)
    for line, col, ln, ty in decoded:
        assert (line, col) > prev
        prev = (line, col)
        assert ty in (0, 1, 2) and ln > 0
        word = slice_units(ls[line], col, ln, client.encoding)
        assert word and word == word.strip()
    # Header fields are marked.
    assert any(ty == 2 and line == 0 for line, _, _, ty in decoded)
    changed = {d.range.start.line for d in client.diagnostics[uri] if d.code == "edited"}
    marked = {line for line, _, _, ty in decoded if ty in (0, 1)}
    assert changed <= marked


async def test_example_removed_word(client: LanguageClient):
    uri, text = await open_doc(client, EXAMPLE)
    toks = await client.text_document_semantic_tokens_full_async(
        t.SemanticTokensParams(text_document=t.TextDocumentIdentifier(uri=uri))
    )
    row = lines(text)[9]
    words = {(slice_units(row, c, n, client.encoding), ty) for line, c, n, ty in decode(toks.data) if line == 9}
    assert ("vital", 0) in words
