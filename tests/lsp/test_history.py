"""History across dumps in the editor: a dump whose folder holds the other dumps of its
article gets a "History" hover section, "changed in N of M versions" lenses, and
`palimpsest/versionText` for every version of the chain."""

import json
import re
import shutil
import subprocess

from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import BIN, DEV, custom, open_doc, units

SERIES = DEV / "series" / "voa-darfur-peacekeeping"
MIDDLE = "voa-darfur-peacekeeping-v1-v2.txt"


def fold(s: str) -> str:
    return " ".join(s.split())


def export(folder):
    files = sorted(str(p) for p in folder.glob("*.txt"))
    out = subprocess.run([BIN, "export", *files], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def render(v) -> str:
    return v["title"] + "\n" + "".join("\n" + p + "\n" for p in v["paragraphs"])


async def open_middle(client, tmp_path):
    folder = tmp_path / SERIES.name
    shutil.copytree(SERIES, folder)
    uri, text = await open_doc(client, folder / MIDDLE)
    return folder, uri, text


PASSAGES = ("edited", "rewritten", "whitespace-only", "added", "removed")


def changed_lines(client, uri):
    return sorted({d.range.start.line for d in client.diagnostics[uri] if d.code in PASSAGES})


def unplain(diff: str) -> str:
    """The newer wording of a plain-text word diff."""
    s = re.sub(r"\[-.*?-\] ?", "", diff)
    return re.sub(r"\{\+(.*?)\+\}", r"\1", s)


async def test_history_hover(client: LanguageClient, tmp_path):
    folder, uri, text = await open_middle(client, tmp_path)
    chain = export(folder)
    by_number = {v["number"]: v for v in chain["versions"]}
    # The first row whose paragraph exists in at least three versions.
    for line in range(len(text.split("\n"))):
        h = await client.text_document_hover_async(
            t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=line, character=0))
        )
        value = h.contents.value if h else ""
        if h is None or "History" not in value:
            continue
        tail = value.split("History", 1)[1]
        changed = ("~~" in tail or "**" in tail[2:]) if client.hover_format == "markdown" else ("[-" in tail or "{+" in tail)
        if changed and len(re.findall(r"^\*?Version \d+", tail, re.M)) >= 3:
            break
    else:
        raise AssertionError("no changed row has a history of three versions")
    md = client.hover_format == "markdown"
    assert ("**History**" if md else "\nHistory\n") in value
    section = value.split("History", 1)[1]
    if md:
        labels = re.findall(r"^\*Version (\d+)[^:]*:\*", section, re.M)
    else:
        entries = re.findall(r"^Version (\d+)[^:\n]*: (.*)$", section, re.M)
        labels = [n for n, _ in entries]
    numbers = [int(n) for n in labels]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert 1 in numbers or 2 in numbers  # a column of this dump
    assert len(numbers) >= 3  # the paragraph exists beyond this dump
    if not md:
        wording = None
        for n, body in entries:
            if body == "(unchanged)":
                assert wording is not None
            else:
                wording = body if wording is None else unplain(body)
            assert fold(wording) in [fold(p) for p in by_number[int(n)]["paragraphs"]], (n, body)
        # The dump's own row holds one of the wordings of its columns.
        row = fold(text.split("\n")[line])
        assert any(fold(b) in row for n, b in entries if n in ("1", "2") and "[-" not in b and "{+" not in b) or \
            any(fold(unplain(b)) in row for n, b in entries if n in ("1", "2"))


async def test_history_lens(client: LanguageClient, tmp_path):
    folder, uri, _ = await open_middle(client, tmp_path)
    chain = export(folder)
    lenses = await client.text_document_code_lens_async(
        t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=uri))
    )
    hist = [l for l in lenses if l.command and re.fullmatch(r"changed in \d+ of \d+ versions", l.command.title)]
    assert hist
    total = len(chain["versions"])
    for l in hist:
        n, m = map(int, re.findall(r"\d+", l.command.title))
        assert m == total and 0 <= n <= total
        assert l.command.command == "palimpsest.showEarlierWording"
        assert list(l.command.arguments) == [uri, l.range.start.line]
    by_line = {l.range.start.line: l.command.title for l in hist}
    for line in changed_lines(client, uri):
        if line in by_line:
            assert not by_line[line].startswith("changed in 0 ")


async def test_history_version_text(client: LanguageClient, tmp_path):
    folder, uri, _ = await open_middle(client, tmp_path)
    chain = export(folder)
    for v in chain["versions"]:
        n = v["number"]
        r = await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": n})
        assert r["number"] == n
        if n in (1, 2):
            assert all(p["line"] is not None for p in r["paragraphs"])
            continue
        assert r["text"] == render(v)
        assert r["title"] == v["title"]
        assert len(r["paragraphs"]) == len(v["paragraphs"])
        ls = r["text"].split("\n")
        for p, expected in zip(r["paragraphs"], v["paragraphs"]):
            assert p["line"] is None and p["row"] is None
            start, end = p["range"]["start"], p["range"]["end"]
            assert start["line"] == end["line"]
            assert start["character"] == 0
            assert end["character"] == units(ls[start["line"]], client.encoding)
            assert ls[start["line"]] == expected


async def test_history_watched_files(client: LanguageClient, tmp_path):
    folder, uri, _ = await open_middle(client, tmp_path)
    params = {"textDocument": {"uri": uri}, "version": 4}
    assert (await custom(client, "palimpsest/versionText", params))["number"] == 4
    last = folder / "voa-darfur-peacekeeping-v3-v4.txt"
    last.unlink()
    client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(changes=[t.FileEvent(uri=last.as_uri(), type=t.FileChangeType.Deleted)])
    )
    import asyncio

    for _ in range(200):
        try:
            await custom(client, "palimpsest/versionText", params)
        except Exception as e:
            assert "not 4" in str(e)
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("version 4 is still served after its only dump was deleted")
    # The rest of the chain is still there.
    r = await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": 3})
    assert r["number"] == 3 and all(p["line"] is None for p in r["paragraphs"])
