"""History across dumps in the editor: a dump whose folder holds the other dumps of its
article gets a "History" hover section, "changed in N of M versions" lenses, and
`palimpsest/versionText` for every version of the chain."""

import json
import re
import shutil
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import BIN, CONFIG, DEV, capabilities, custom, open_doc, to_plain, units

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


# ---- the file watcher -------------------------------------------------------------------


def glob_regex(glob: str) -> re.Pattern:
    """An LSP glob pattern (`**`, `*`, `?`, `{a,b}`, `[...]`) as a regular expression."""
    out, i = "", 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
            continue
        if glob.startswith("**", i):
            out, i = out + ".*", i + 2
            continue
        out += {"*": "[^/]*", "?": "[^/]", "{": "(?:", "}": ")", ",": "|"}.get(c, c if c in "[]" else re.escape(c))
        i += 1
    return re.compile(out)


async def wait_registrations(client, timeout=10.0):
    import asyncio

    for _ in range(int(timeout / 0.02)):
        if client.registrations:
            break
        await asyncio.sleep(0.02)
    return client.registrations


def watchers(client):
    regs = [r for r in client.registrations if r.method == t.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    assert len(regs) == 1, client.registrations
    options = to_plain(regs[0].register_options)
    return options["watchers"]


async def test_registers_dump_watcher(plain_client: LanguageClient):
    # The VS Code capabilities allow dynamic registration of the watcher.
    assert plain_client.capabilities.workspace.did_change_watched_files.dynamic_registration
    await wait_registrations(plain_client)
    ws = watchers(plain_client)
    assert ws
    for w in ws:
        assert isinstance(w["globPattern"], str)  # the client declares no relative patterns
        assert w.get("kind", 7) & 7 == 7  # created, changed and deleted
    patterns = [glob_regex(w["globPattern"]) for w in ws]
    for p in sorted(SERIES.iterdir()):
        matched = any(r.fullmatch(p.resolve().as_posix()) for r in patterns)
        assert matched == (p.suffix == ".txt"), p.name  # dumps, not their truth files


@pytest_lsp.fixture(config=CONFIG)
async def static_client(lsp_client: LanguageClient):
    """A client that cannot register the watcher dynamically."""
    caps = capabilities("utf-16", "markdown")
    caps.workspace.did_change_watched_files = t.DidChangeWatchedFilesClientCapabilities(dynamic_registration=False)
    lsp_client.encoding = "utf-16"
    lsp_client.hover_format = "markdown"
    await lsp_client.initialize_session(t.InitializeParams(capabilities=caps))
    yield
    await lsp_client.shutdown_session()


async def test_no_watcher_without_dynamic_registration(static_client: LanguageClient, tmp_path):
    import asyncio

    await open_middle(static_client, tmp_path)  # a round trip after `initialized`
    await asyncio.sleep(0.3)
    assert static_client.registrations == []


def lens_total(lenses):
    totals = {int(re.findall(r"\d+", l.command.title)[1]) for l in lenses
              if l.command and re.fullmatch(r"changed in \d+ of \d+ versions", l.command.title)}
    assert len(totals) <= 1, totals
    return totals.pop() if totals else None


async def test_created_dump_joins_chain(client: LanguageClient, tmp_path):
    """A dump copied into the folder later, reported by the registered watcher, extends
    the chain of the open dump."""
    import asyncio

    await wait_registrations(client)
    patterns = [glob_regex(w["globPattern"]) for w in watchers(client)]
    folder = tmp_path / SERIES.name
    folder.mkdir()
    first, later = "voa-darfur-peacekeeping-v0-v1.txt", ["voa-darfur-peacekeeping-v2-v3.txt", MIDDLE]
    for name in later:
        shutil.copy(SERIES / name, folder / name)
    uri, _ = await open_doc(client, folder / MIDDLE)
    doc = t.TextDocumentIdentifier(uri=uri)
    lenses = await client.text_document_code_lens_async(t.CodeLensParams(text_document=doc))
    assert lens_total(lenses) == 3  # versions 1, 2, 3
    with pytest.raises(Exception, match="not 0"):  # version 0 has no dump yet
        await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": 0})

    added = folder / first
    shutil.copy(SERIES / first, added)
    assert any(r.fullmatch(added.resolve().as_posix()) for r in patterns)
    refreshes = len(client.refreshes)
    client.workspace_did_change_watched_files(
        t.DidChangeWatchedFilesParams(changes=[t.FileEvent(uri=added.resolve().as_uri(), type=t.FileChangeType.Created)])
    )
    # The server asks the client to refresh its lenses once the chain is rebuilt.
    for _ in range(1000):
        if t.WORKSPACE_CODE_LENS_REFRESH in client.refreshes[refreshes:]:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("no code lens refresh after the dump was added")
    chain = export(folder)
    assert [v["number"] for v in chain["versions"]] == [0, 1, 2, 3]
    lenses = await client.text_document_code_lens_async(t.CodeLensParams(text_document=doc))
    assert lens_total(lenses) == 4
    r = await custom(client, "palimpsest/versionText", {"textDocument": {"uri": uri}, "version": 0})
    assert r["text"] == render(chain["versions"][0])
    assert all(p["line"] is None for p in r["paragraphs"])
    # Some hover's history now starts at version 0.
    text = (folder / MIDDLE).read_text()
    for line in range(len(text.split("\n"))):
        h = await client.text_document_hover_async(
            t.HoverParams(text_document=doc, position=t.Position(line=line, character=0))
        )
        if h and "History" in h.contents.value:
            section = h.contents.value.split("History", 1)[1]
            if re.search(r"^\*?Version 0\b", section, re.M):
                break
    else:
        raise AssertionError("no hover history shows version 0")
