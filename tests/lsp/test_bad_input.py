"""Bad input never kills the server: malformed JSON, unknown methods, requests on
unopened documents, positions past the end, a binary file opened as a dump, and a
panic inside a handler each get an error (or are ignored) and the server keeps
answering."""

import json
import os

import pytest

from conftest import EXAMPLE
from rawlsp import RawClient


def open_example(c, uri=None, text=None):
    uri = uri or EXAMPLE.resolve().as_uri()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "palimpsest", "version": 1,
                                                       "text": text if text is not None else EXAMPLE.read_text()}})
    return uri, c.wait_notification("textDocument/publishDiagnostics", lambda m: m["params"]["uri"] == uri)


def alive(c, uri):
    r = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 9, "character": 2}})
    assert "result" in r and r["result"] and "Edited" in r["result"]["contents"]["value"]


@pytest.fixture(params=["utf-8", "utf-16"])
def raw(request):
    c = RawClient(env={"PALIMPSEST_DEBUG_PANIC": "1"})
    c.initialize([request.param])
    yield c
    c.close()
    assert c.proc.returncode == 0


def test_malformed_json(raw):
    uri, _ = open_example(raw)
    raw.send_raw(b'{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover", "params": {')
    raw.send_raw(b"this is not json at all")
    raw.send_raw(b'{"jsonrpc": "2.0", "id": 100, "method": "textDocument/hover", "params": {"textDocument": 5}}')
    r = raw.wait(100)
    assert "error" in r
    alive(raw, uri)


def test_unknown_methods(raw):
    uri, _ = open_example(raw)
    r = raw.request("palimpsest/noSuchThing", {})
    assert r["error"]["code"] == -32601
    raw.notify("palimpsest/noSuchNotification", {"x": 1})
    raw.notify("$/somethingOptional", {})
    r = raw.request("workspace/executeCommand", {"command": "palimpsest.nope", "arguments": []})
    assert "error" in r
    alive(raw, uri)


def test_unopened_documents(raw):
    uri, _ = open_example(raw)
    other = "file:///nowhere/unopened.txt"
    for method in ["textDocument/documentSymbol", "textDocument/codeLens", "textDocument/foldingRange",
                   "textDocument/documentLink", "textDocument/semanticTokens/full"]:
        r = raw.request(method, {"textDocument": {"uri": other}})
        assert r.get("result") is None or "error" in r
    r = raw.request("textDocument/hover", {"textDocument": {"uri": other}, "position": {"line": 0, "character": 0}})
    assert r.get("result") is None
    r = raw.request("palimpsest/versionText", {"textDocument": {"uri": other}, "version": 0})
    assert r["error"]["code"] == -32602
    r = raw.request("workspace/executeCommand", {"command": "palimpsest.nextChange",
                                                  "arguments": [{"uri": other, "position": {"line": 0, "character": 0}}]})
    assert "error" in r
    # Changing or closing an unopened document is ignored.
    raw.notify("textDocument/didChange", {"textDocument": {"uri": other, "version": 2},
                                          "contentChanges": [{"text": "x"}]})
    raw.notify("textDocument/didClose", {"textDocument": {"uri": other}})
    alive(raw, uri)


def test_positions_past_the_end(raw):
    uri, _ = open_example(raw)
    for pos in [{"line": 10_000, "character": 0}, {"line": 9, "character": 1_000_000}, {"line": 0, "character": 4_000_000_000}]:
        r = raw.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos})
        assert "error" not in r
        r = raw.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos})
        assert "error" not in r
    r = raw.request("textDocument/inlayHint", {"textDocument": {"uri": uri},
                                                "range": {"start": {"line": 50, "character": 0}, "end": {"line": 2, "character": 0}}})
    assert "error" not in r
    # An edit whose range lies past the end appends at the end.
    raw.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": 999, "character": 5}, "end": {"line": 1000, "character": 0}}, "text": ""}]})
    d = raw.wait_notification("textDocument/publishDiagnostics", lambda m: m["params"].get("version") == 2)
    assert d["params"]["diagnostics"]
    alive(raw, uri)


def test_binary_file_as_dump(raw):
    uri, _ = open_example(raw)
    blob = bytes(range(256)) * 40
    text = blob.decode("latin-1")
    buri, d = open_example(raw, uri="file:///tmp/blob.bin", text=text)
    diags = d["params"]["diagnostics"]
    assert len(diags) == 1 and diags[0]["severity"] == 1 and diags[0]["range"]["start"]["line"] == 0
    for method in ["textDocument/documentSymbol", "textDocument/codeLens", "textDocument/semanticTokens/full"]:
        r = raw.request(method, {"textDocument": {"uri": buri}})
        assert "error" not in r
    r = raw.request("textDocument/hover", {"textDocument": {"uri": buri}, "position": {"line": 3, "character": 3}})
    assert r.get("result") is None
    alive(raw, uri)


def test_panic_in_handler_is_an_error_answer(raw):
    uri, _ = open_example(raw)
    r = raw.request("workspace/executeCommand", {"command": "palimpsest.debugPanic", "arguments": []})
    assert r["error"]["code"] == -32603
    alive(raw, uri)
    r = raw.request("workspace/executeCommand", {"command": "palimpsest.debugPanic", "arguments": []})
    assert "error" in r
    alive(raw, uri)


def test_cancel_request(raw):
    uri, _ = open_example(raw)
    i = raw.request_async("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    raw.notify("$/cancelRequest", {"id": i})
    r = raw.wait(i)
    # Either it finished first or it was cancelled (-32800).
    assert "result" in r or r["error"]["code"] == -32800
    alive(raw, uri)
