"""Stress: 1,000 incremental edits interleaved with hovers and symbol requests; then
the document's diagnostics, symbols and versions equal those of a fresh open of the
final text."""

import random

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import DEV_DUMPS, EXAMPLE, open_doc, units, wait_diagnostics, custom

WORDS = ["the", "minister", "said", "“quoted”", "café", "😀", "中文", "Séoul", "on", "Thursday", "—", "report"]


def key(d):
    return (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character,
            d.severity, d.code, d.message)


def sym_key(s):
    return (s.name, s.detail, s.range.start.line, s.range.end.line, s.range.end.character,
            tuple(sym_key(c) for c in (s.children or [])))


@pytest.mark.parametrize("path", [EXAMPLE, DEV_DUMPS[1]], ids=lambda p: p.stem)
async def test_thousand_edits(client: LanguageClient, path, tmp_path):
    rng = random.Random(1234)
    uri, text = await open_doc(client, path)
    enc = client.encoding
    lines = text.split("\n")
    version = 1
    for step in range(1000):
        version += 1
        body = list(range(9, len(lines)))
        op = rng.random()
        li = rng.choice(body) if body else len(lines) - 1
        line = lines[li]
        if op < 0.45 and line:
            # Replace a stretch of a row with a few words.
            a = rng.randrange(0, len(line) + 1)
            b = min(len(line), a + rng.randrange(0, 12))
            new = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 3)))
            start = t.Position(line=li, character=units(line[:a], enc))
            end = t.Position(line=li, character=units(line[:b], enc))
            lines[li] = line[:a] + new + line[b:]
        elif op < 0.75:
            # Insert text.
            a = rng.randrange(0, len(line) + 1)
            new = rng.choice(WORDS) + " "
            start = end = t.Position(line=li, character=units(line[:a], enc))
            lines[li] = line[:a] + new + line[a:]
        elif op < 0.87 and len(body) > 3:
            # Split a row in two (a new row appears).
            a = rng.randrange(0, len(line) + 1)
            new = "\n"
            start = end = t.Position(line=li, character=units(line[:a], enc))
            lines[li : li + 1] = [line[:a], line[a:]]
        elif len(body) > 3 and li + 1 < len(lines):
            # Join a row with the next one.
            new = ""
            start = t.Position(line=li, character=units(line, enc))
            end = t.Position(line=li + 1, character=0)
            lines[li : li + 2] = [line + lines[li + 1]]
        else:
            new = "x"
            start = end = t.Position(line=li, character=0)
            lines[li] = "x" + line
        client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[t.TextDocumentContentChangePartial(range=t.Range(start=start, end=end), text=new)],
            )
        )
        if step % 10 == 0:
            hl = rng.randrange(0, len(lines) + 2)
            await client.text_document_hover_async(
                t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=hl, character=rng.randrange(0, 80)))
            )
        if step % 25 == 0:
            await client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=t.TextDocumentIdentifier(uri=uri)))
    final = "\n".join(lines)
    edited = await wait_diagnostics(client, uri, version, timeout=120)
    fresh_uri = "untitled:fresh-" + path.stem
    await open_doc(client, path, text=final, uri=fresh_uri)
    fresh = client.diagnostics[fresh_uri]
    assert sorted(map(key, edited)) == sorted(map(key, fresh))
    s1 = await client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=t.TextDocumentIdentifier(uri=uri)))
    s2 = await client.text_document_document_symbol_async(t.DocumentSymbolParams(text_document=t.TextDocumentIdentifier(uri=fresh_uri)))
    assert list(map(sym_key, s1)) == list(map(sym_key, s2))
    # The server's text is the client's text: the newer version reads the same.
    summary = await custom(client, "palimpsest/summary", {"textDocument": {"uri": fresh_uri}})
    for n in summary["versions"]:
        a = await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": n})
        b = await custom(client, "palimpsest/versionText", {"textDocument": {"uri": fresh_uri}, "version": n})
        assert a["text"] == b["text"]
