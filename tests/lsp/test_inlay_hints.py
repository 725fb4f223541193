"""Inlay hints: the split of every changed row and the side of one-sided rows."""

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import DUMPS, EXAMPLE, open_doc, lines


async def hints(client, uri, a=0, b=100000):
    return await client.text_document_inlay_hint_async(
        t.InlayHintParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=t.Position(line=a, character=0), end=t.Position(line=b, character=0)),
        )
    )


@pytest.mark.parametrize("path", DUMPS, ids=lambda p: p.stem)
async def test_one_hint_per_changed_or_one_sided_row(client: LanguageClient, path):
    uri, text = await open_doc(client, path)
    hs = await hints(client, uri)
    diags = client.diagnostics[uri]
    kinds = {d.range.start.line: d.code for d in diags if d.code in ("edited", "rewritten", "whitespace-only", "added", "removed")}
    assert {h.position.line for h in hs} == set(kinds)
    for h in hs:
        k = kinds[h.position.line]
        if k == "added":
            assert h.label.startswith("+v") and h.position.character == 0
        elif k == "removed":
            assert h.label.startswith("−v") and h.position.character == 0
        else:
            assert h.label.startswith("⟧ v") and h.position.character > 0


async def test_range_is_honoured(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    hs = await hints(client, uri, 11, 12)
    assert hs and all(11 <= h.position.line <= 12 for h in hs)
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={"inlayHints": {"enabled": False}}))
    import asyncio

    for _ in range(200):
        if not await hints(client, uri):
            break
        await asyncio.sleep(0.01)
    assert not await hints(client, uri)
