"""Code actions on ambiguous rows, and the `palimpsest.choose` command that records a
reading in the sidecar file, re-analyses and republishes."""

import asyncio
import ast
import json
import re

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import EXAMPLE, open_doc, wait_diagnostics, open_ambiguous, is_row_ambiguity


async def actions(client, uri, line, diags=()):
    return await client.text_document_code_action_async(
        t.CodeActionParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=t.Position(line=line, character=0), end=t.Position(line=line, character=0)),
            context=t.CodeActionContext(diagnostics=list(diags)),
        )
    )


def command_of(action):
    """(command name, arguments) of a code action, undoing lsprotocol's mis-structuring
    (it turns a CodeAction with a command into a Command whose `command` is the
    stringified inner command)."""
    if isinstance(action, t.Command):
        if action.arguments is None and action.command.startswith("{"):
            inner = ast.literal_eval(action.command)
            return inner["command"], inner["arguments"]
        return action.command, list(action.arguments or [])
    return action.command.command, list(action.command.arguments)


def choose_args(action):
    return command_of(action)[1]


async def test_ambiguous_row_offers_other_readings(client: LanguageClient):
    uri, _, amb = await open_ambiguous(client)
    line = amb[0].range.start.line
    acts = await actions(client, uri, line, amb)
    assert acts
    titles = [a.title for a in acts]
    assert any(t_.startswith("Read as") or t_.startswith("Split after") for t_ in titles)
    # lsprotocol structures any code action with a `command` field as a Command (its
    # union hook checks only for the key), so look at the JSON through the raw client
    # in test_code_action_json_shape; here the title and command arguments suffice.
    name, args = command_of(acts[0])
    assert name == "palimpsest.choose"
    arg = args[0]
    assert arg["uri"] == uri and arg["line"] == line and "kind" in arg["reading"]
    # Rows that are not ambiguous get none.
    plain = [d.range.start.line for d in client.diagnostics[uri] if d.code == "edited"
             and not any(a.range.start.line == d.range.start.line for a in amb)]
    if plain:
        assert not await actions(client, uri, plain[0])


async def test_choose_writes_sidecar_and_republishes(client: LanguageClient, tmp_path):
    uri, _, amb = await open_ambiguous(client, tmp_path)
    line = amb[0].range.start.line
    before = [d.code for d in client.diagnostics[uri] if d.range.start.line == line]
    acts = await actions(client, uri, line, amb)
    n = len(client.diag_log)
    args = choose_args(acts[0])
    res = await client.workspace_execute_command_async(
        t.ExecuteCommandParams(command="palimpsest.choose", arguments=args)
    )
    assert res is not None
    sidecars = list(tmp_path.glob("*.palimpsest.json"))
    assert len(sidecars) == 1
    sidecar = sidecars[0]
    data = json.loads(sidecar.read_text())
    assert data["rows"][0]["line"] == line + 1
    assert data["rows"][0]["reading"] == args[0]["reading"]
    for _ in range(500):
        if len(client.diag_log) > n:
            break
        await asyncio.sleep(0.01)
    after = [d.code for d in client.diagnostics[uri] if d.range.start.line == line]
    assert after != before
    assert not list(tmp_path.glob("*.tmp"))


async def test_choose_refuses_non_file_documents(client: LanguageClient):
    _, text, _ = await open_ambiguous(client)
    uri, _ = await open_doc(client, EXAMPLE, text=text, uri="untitled:dump-1")
    amb = [d for d in client.diagnostics[uri] if is_row_ambiguity(d)]
    acts = await actions(client, uri, amb[0].range.start.line, amb)
    with pytest.raises(Exception):
        await client.workspace_execute_command_async(
            t.ExecuteCommandParams(command="palimpsest.choose", arguments=choose_args(acts[0]))
        )
    with pytest.raises(Exception):
        await client.workspace_execute_command_async(
            t.ExecuteCommandParams(command="palimpsest.choose", arguments=[{"uri": "file:///never/opened.txt", "line": 1, "reading": {"kind": "added"}}])
        )
    with pytest.raises(Exception):
        await client.workspace_execute_command_async(t.ExecuteCommandParams(command="palimpsest.choose", arguments=["bad"]))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_code_action_json_shape(encoding):
    from rawlsp import RawClient
    from conftest import AMBIGUOUS_CANDIDATES

    c = RawClient()
    try:
        c.initialize([encoding])
        for path in AMBIGUOUS_CANDIDATES:
            uri = path.resolve().as_uri()
            c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "palimpsest", "version": 1,
                                                               "text": path.read_text()}})
            d = c.wait_notification("textDocument/publishDiagnostics", lambda m: m["params"]["uri"] == uri)
            amb = [x for x in d["params"]["diagnostics"]
                   if x.get("code", "").startswith("ambiguous-") and x["code"] != "ambiguous-title"]
            if amb:
                break
        line = amb[0]["range"]["start"]["line"]
        r = c.request("textDocument/codeAction", {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
            "context": {"diagnostics": amb[:1]},
        })["result"]
        assert r and r[0]["kind"] == "quickfix" and r[0]["isPreferred"] is True
        assert all(a["command"]["command"] == "palimpsest.choose" for a in r)
        assert r[0]["diagnostics"][0]["code"] == amb[0]["code"]
        titles = [a["title"] for a in r]
        assert all(re.match(r"(Read as (one paragraph )?(added|removed) in Version \d+|Split after “.*”|Read as unchanged)$", x)
                   for x in titles), titles
    finally:
        c.close()
