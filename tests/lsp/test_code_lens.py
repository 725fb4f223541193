"""Code lenses: the version summary with open/compare commands, and one lens above
each changed passage. The commands are client-side."""

from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import EXAMPLE, DUMPS, open_doc
import pytest


async def lenses(client, uri):
    return await client.text_document_code_lens_async(t.CodeLensParams(text_document=t.TextDocumentIdentifier(uri=uri)))


async def test_summary_lenses(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    ls = await lenses(client, uri)
    top = [l for l in ls if l.range.start.line == 6]
    titles = [l.command.title for l in top]
    assert titles[0].startswith("Version 0 → Version 1 (about 1 hour later) · 3 edited")
    assert "13 added · 0 removed" in titles[0]
    assert "Open Version 0" in titles and "Open Version 1" in titles and "Compare" in titles
    cmds = {l.command.title: l.command for l in top}
    assert cmds["Open Version 1"].command == "palimpsest.openVersion"
    assert list(cmds["Open Version 1"].arguments) == [uri, 1]
    assert cmds["Compare"].command == "palimpsest.compareVersions" and list(cmds["Compare"].arguments) == [uri, 0, 1]


async def test_passage_lenses(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    ls = await lenses(client, uri)
    earlier = [l for l in ls if l.command.command == "palimpsest.showEarlierWording"]
    assert earlier, "changed passages get a lens"
    first = [l for l in earlier if l.range.start.line == 9][0]
    assert list(first.command.arguments) == [uri, 9]
    assert first.command.title.startswith("Edited: ") and "removed" in first.command.title
    diags = [d for d in client.diagnostics[uri] if d.code in ("edited", "rewritten", "whitespace-only", "added", "removed")]
    assert len([l for l in ls if l.range.start.line > 8]) == len(diags)




@pytest.mark.parametrize("path", DUMPS[1:], ids=lambda p: p.stem)
async def test_lenses_on_dev_dumps(client: LanguageClient, path):
    uri, _ = await open_doc(client, path)
    ls = await lenses(client, uri)
    assert ls and all(l.command for l in ls)


async def test_lens_setting(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={"codeLens": {"passages": False}}))
    import asyncio

    for _ in range(200):
        ls = await lenses(client, uri)
        if all(l.range.start.line == 6 for l in ls):
            break
        await asyncio.sleep(0.01)
    assert ls and all(l.range.start.line == 6 for l in ls)
