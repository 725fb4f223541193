"""Version documents (`palimpsest/versionText`), `palimpsest/summary`, and
go-to-definition between the dump and the version documents."""

import urllib.parse

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import DUMPS, EXAMPLE, open_doc, custom, show, units, lines


def text_of_range(text: str, r, enc: str) -> str:
    ls = text.split("\n")

    def index(p):
        line = ls[p["line"]] if isinstance(p, dict) else ls[p.line]
        ch = p["character"] if isinstance(p, dict) else p.character
        acc = 0
        for i, c in enumerate(line):
            if acc >= ch:
                return sum(len(l) + 1 for l in ls[: (p["line"] if isinstance(p, dict) else p.line)]) + i
            acc += units(c, enc)
        return sum(len(l) + 1 for l in ls[: (p["line"] if isinstance(p, dict) else p.line)]) + len(line)

    return text[index(r["start"]) : index(r["end"])]


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.stem)
async def test_version_text_matches_show(client: LanguageClient, path):
    uri, dump_text = await open_doc(client, path)
    summary = await custom(client, "palimpsest/summary", {"textDocument": {"uri": uri}})
    for n in summary["versions"]:
        r = await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": n})
        assert r["text"] == show(path, n)
        assert r["number"] == n
        assert r["uri"] == f"palimpsest://version/{n}/{path.name}?dump={urllib.parse.quote(uri, safe='')}"
        assert r["title"] == r["text"].split("\n")[0]
        paras = [p for p in r["text"].split("\n")[2::2] if p]
        assert len(r["paragraphs"]) == len(paras)
        dl = lines(dump_text)
        for p, expected in zip(r["paragraphs"], paras):
            assert text_of_range(r["text"], p["range"], client.encoding) == expected
            # The paragraph's dump line holds its text (whitespace folded).
            assert " ".join(expected.split()) in " ".join(dl[p["line"]].split())


async def test_summary(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    s = await custom(client, "palimpsest/summary", {"textDocument": {"uri": uri}})
    assert s["versions"] == [0, 1]
    assert s["caption"] == "(about 1 hour later)"
    for k in ("edited", "rewritten", "added", "removed", "moved", "ambiguous", "changes"):
        assert isinstance(s[k], int)
    assert s["added"] == 13 and s["removed"] == 0
    passages = [d for d in client.diagnostics[uri] if d.code in ("edited", "rewritten", "whitespace-only", "added", "removed")]
    assert s["changes"] == len(passages)


async def test_errors(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    with pytest.raises(Exception) as e:
        await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": 7})
    assert "versions 0 and 1" in str(e.value)
    with pytest.raises(Exception):
        await custom(client, "palimpsest/versionText", {"textDocument": {"uri": "file:///not/open.txt"}, "version": 0})
    with pytest.raises(Exception):
        await custom(client, "palimpsest/summary", {"textDocument": {"uri": "file:///not/open.txt"}})
    with pytest.raises(Exception):
        await custom(client, "palimpsest/versionText", {"nonsense": True})


async def definition(client, uri, line, ch):
    return await client.text_document_definition_async(
        t.DefinitionParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=line, character=ch))
    )


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.stem)
async def test_definition_round_trip(client: LanguageClient, path):
    uri, text = await open_doc(client, path)
    s = await custom(client, "palimpsest/summary", {"textDocument": {"uri": uri}})
    docs = {}
    for n in s["versions"]:
        docs[n] = await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": n})
    by_uri = {d["uri"]: d for d in docs.values()}
    checked = 0
    for i, l in enumerate(lines(text)):
        if i < 9 or not l:
            continue
        loc = await definition(client, uri, i, 1)
        if loc is None:
            continue
        loc = loc[0] if isinstance(loc, list) else loc
        doc = by_uri[loc.uri]
        para = [p for p in doc["paragraphs"] if p["line"] == i]
        assert para, (i, loc)
        assert loc.range.start.line == para[0]["range"]["start"]["line"]
        # And back: from the version document to the dump row.
        back = await definition(client, loc.uri, loc.range.start.line, 0)
        back = back[0] if isinstance(back, list) else back
        assert back.uri == uri and back.range.start.line == i
        checked += 1
    assert checked > 3
