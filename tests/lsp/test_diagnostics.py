"""Diagnostics: passages, moves, ambiguity, findings, not-a-dump, configuration."""

import re

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import DUMPS, EXAMPLE, open_doc, wait_diagnostics, lines, truth_of, open_ambiguous


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.stem)
async def test_one_information_per_passage(client: LanguageClient, path):
    uri, text = await open_doc(client, path)
    diags = client.diagnostics[uri]
    assert all(d.source == "palimpsest" for d in diags)
    truth = truth_of(path)
    passages = [d for d in diags if d.code in ("edited", "rewritten", "whitespace-only", "added", "removed")]
    assert all(d.severity == t.DiagnosticSeverity.Information for d in passages)
    if truth:
        changed = [r for r in truth["rows"] if r["kind"] != "unchanged"]
        # The reader may disagree on a row or two; the count is close to the truth.
        assert abs(len(passages) - len(changed)) <= max(2, len(changed) // 5)
    for d in passages:
        # A passage covers its whole row line.
        row = lines(text)[d.range.start.line]
        assert d.range.start.character == 0
        assert d.range.end.line == d.range.start.line
        assert row.strip()
        if d.code == "added":
            assert d.message.startswith("Added in Version ")
        if d.code == "edited":
            assert d.message.startswith("Edited in Version ") and "removed" in d.message and "added" in d.message


async def test_example_messages(client: LanguageClient):
    uri, text = await open_doc(client, EXAMPLE)
    diags = client.diagnostics[uri]
    by_line = {}
    for d in diags:
        by_line.setdefault(d.range.start.line, []).append(d)
    first = [d for d in by_line[9] if d.code == "edited"][0]
    assert re.fullmatch(r"Edited in Version 1: \d+ words? removed, \d+ added", first.message)
    assert any(d.code == "added" and d.message == "Added in Version 1" for d in by_line[11])
    moved = [d for d in diags if d.code == "moved"]
    assert moved, "the example has a moved sentence"
    to = [d for d in moved if d.message.startswith("Sentence moved to line ")][0]
    target_line = int(to.message.rsplit(" ", 1)[1]) - 1
    assert to.related_information and to.related_information[0].location.uri == uri
    assert to.related_information[0].location.range.start.line == target_line


async def test_ambiguity_warnings(client: LanguageClient):
    uri, _, amb = await open_ambiguous(client)
    assert all(d.severity == t.DiagnosticSeverity.Warning for d in amb)
    assert "could also be" in amb[0].message and amb[0].message.startswith("Ambiguous: read as")


async def test_not_a_dump_is_one_error(client: LanguageClient, tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("just some notes\nnothing like a dump\n")
    uri, _ = await open_doc(client, p)
    diags = client.diagnostics[uri]
    assert len(diags) == 1
    d = diags[0]
    assert d.severity == t.DiagnosticSeverity.Error and d.range.start.line == 0 and d.code == "not-a-dump"


async def test_truncated_dump_has_finding(client: LanguageClient, tmp_path):
    text = EXAMPLE.read_text()
    cut = text[: len(text) - 40]
    p = tmp_path / "cut.txt"
    p.write_text(cut)
    uri, _ = await open_doc(client, p)
    assert any(d.code == "truncated" for d in client.diagnostics[uri])


async def test_configuration_turns_kinds_off(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    n = len(client.diag_log)
    client.workspace_did_change_configuration(
        t.DidChangeConfigurationParams(settings={"palimpsest": {"diagnostics": {"passages": False, "moves": False}}})
    )
    import asyncio

    for _ in range(500):
        if len(client.diag_log) > n:
            break
        await asyncio.sleep(0.01)
    diags = client.diagnostics[uri]
    assert all(d.code not in ("edited", "added", "moved") for d in diags)
    assert not any(d.code in ("edited", "added", "rewritten", "moved") for d in diags)
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={"diagnostics": {"ambiguity": False}}))
    n = len(client.diag_log)
    for _ in range(500):
        if len(client.diag_log) > n:
            break
        await asyncio.sleep(0.01)
    diags = client.diagnostics[uri]
    assert any(d.code == "edited" for d in diags)
    assert not any(str(d.code).startswith("ambiguous-") for d in diags)


async def test_corrupt_sidecar_is_reported_not_fatal(client: LanguageClient, tmp_path):
    p = tmp_path / "gsomia.txt"
    p.write_text(EXAMPLE.read_text())
    (tmp_path / "gsomia.palimpsest.json").write_text("{not json")
    uri, _ = await open_doc(client, p)
    diags = client.diagnostics[uri]
    assert any(d.code == "sidecar-unreadable" for d in diags)
    assert any(d.code == "edited" for d in diags)
    assert any("sidecar" in m.message or "palimpsest.json" in m.message for m in client.messages)


async def test_close_clears(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    n = len(client.diag_log)
    client.text_document_did_close(t.DidCloseTextDocumentParams(text_document=t.TextDocumentIdentifier(uri=uri)))
    import asyncio

    for _ in range(500):
        if len(client.diag_log) > n:
            break
        await asyncio.sleep(0.01)
    assert len(client.diagnostics[uri]) == 0
