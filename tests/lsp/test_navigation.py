"""Navigation: document symbols, folding ranges, the article link, and the
next/previous change commands."""

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import DUMPS, EXAMPLE, open_doc, lines

PASSAGE_CODES = ("edited", "rewritten", "whitespace-only", "added", "removed", "added-or-changed")


def td(uri):
    return t.TextDocumentIdentifier(uri=uri)


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.stem)
async def test_symbols(client: LanguageClient, path):
    uri, text = await open_doc(client, path)
    syms = await client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=td(uri)))
    assert len(syms) == 1
    root = syms[0]
    assert root.name and "→" in root.detail
    passages = [d for d in client.diagnostics[uri] if d.code in PASSAGE_CODES]
    assert len(root.children) == len(passages)
    for s in root.children:
        assert s.name and s.detail
        assert s.detail.split(":")[0] in ("edited", "rewritten", "whitespace only", "added", "removed", "added or changed")


async def test_folding(client: LanguageClient):
    uri, text = await open_doc(client, EXAMPLE)
    folds = await client.text_document_folding_range_async(t.FoldingRangeParams(text_document=td(uri)))
    assert folds[0].start_line == 0 and folds[0].end_line == 5
    runs = folds[1:]
    assert runs and all(f.end_line > f.start_line for f in runs)
    ls = lines(text)
    for f in runs:
        for i in range(f.start_line, f.end_line + 1):
            row = ls[i]
            assert row[: len(row) // 2] == row[len(row) // 2 :], "folded rows are unchanged"


async def test_document_link(client: LanguageClient):
    uri, text = await open_doc(client, EXAMPLE)
    links = await client.text_document_document_link_async(t.DocumentLinkParams(text_document=td(uri)))
    assert len(links) == 1
    assert links[0].target == "https://www.nytimes.com/2019/08/22/world/asia/south-korea-japan-intelligence.html"
    assert links[0].range.start.line == 2


async def navigate(client, cmd, uri, line, ch=0):
    return await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command=cmd, arguments=[{"uri": uri, "position": {"line": line, "character": ch}}])
    )


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.stem)
async def test_next_previous_change(client: LanguageClient, path):
    uri, text = await open_doc(client, path)
    changed = sorted({d.range.start.line for d in client.diagnostics[uri] if d.code in PASSAGE_CODES})
    seen = []
    line = 0
    while True:
        p = await navigate(client, "palimpsest.nextChange", uri, line)
        if p is None:
            break
        seen.append(p["line"])
        assert p["character"] == 0
        line = p["line"]
    assert seen == changed
    back = []
    line = len(lines(text)) + 5
    while True:
        p = await navigate(client, "palimpsest.previousChange", uri, line)
        if p is None:
            break
        back.append(p["line"])
        line = p["line"]
    assert back == changed[::-1]
