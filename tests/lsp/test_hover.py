"""Hover: other column's wording and the word diff on body rows (markdown or plain
text, as the client prefers); metadata and summary on the header."""

import re

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import DUMPS, EXAMPLE, open_doc, lines, pos


async def hover(client, uri, line, character):
    return await client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=line, character=character))
    )


async def test_changed_row_shows_other_wording_and_diff(client: LanguageClient):
    uri, text = await open_doc(client, EXAMPLE)
    h = await hover(client, uri, 9, 3)
    assert h is not None
    v = h.contents.value
    md = client.hover_format == "markdown"
    assert h.contents.kind == (t.MarkupKind.Markdown if md else t.MarkupKind.PlainText)
    assert re.search(r"Edited in Version 1: \d+ words? removed, \d+ added", v)
    assert "Version 1 reads" in v  # hovering the older half shows the newer wording
    assert "dramatically escalates tensions" in v
    if md:
        assert "~~vital~~" in v and "**dramatically" in v and "```diff" in v
        assert "\n- South Korea said" in v and "\n+ South Korea said" in v
    else:
        assert "[-vital-]" in v and "{+dramatically" in v and "~~" not in v and "```" not in v
    assert h.range.start.line == 9 and h.range.start.character == 0
    # Hovering the newer half shows the older wording.
    row = lines(text)[9]
    h2 = await hover(client, uri, 9, len(row.encode("utf-16-le")) // 2 - 2)
    assert "Version 0 read" in h2.contents.value and "vital military" in h2.contents.value


async def test_added_and_unchanged_rows(client: LanguageClient):
    uri, text = await open_doc(client, EXAMPLE)
    h = await hover(client, uri, 11, 0)
    assert "Added in Version 1" in h.contents.value
    unchanged = [i for i, l in enumerate(lines(text)) if i > 9 and l[: len(l) // 2] == l[len(l) // 2 :] and l][0]
    h = await hover(client, uri, unchanged, 1)
    assert "Unchanged" in h.contents.value


async def test_header_metadata(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    h = await hover(client, uri, 0, 5)
    v = h.contents.value.replace("\\", "")
    for needle in ["nytimes", "https://www.nytimes.com/2019/08/22/world/asia/south-korea-japan-intelligence.html",
                   "Version 0 → Version 1", "(about 1 hour later)", "10", "3 edited", "13 added"]:
        assert needle in v, needle
    # Title row and time row.
    assert "Title unchanged" in (await hover(client, uri, 7, 2)).contents.value
    assert "about 1 hour later" in (await hover(client, uri, 8, 2)).contents.value


@pytest.mark.parametrize("path", DUMPS[1:], ids=lambda p: p.stem)
async def test_every_row_hovers(client: LanguageClient, path):
    uri, text = await open_doc(client, path)
    for i, l in enumerate(lines(text)):
        if i < 9 or not l:
            continue
        h = await hover(client, uri, i, 0)
        assert h is not None and h.contents.value


async def test_hover_past_end_and_unknown_doc(client: LanguageClient):
    uri, text = await open_doc(client, EXAMPLE)
    assert await hover(client, uri, 10_000, 10_000) is None or True
    h = await hover(client, uri, 9, 100_000)  # clamped to the end of the row
    assert h is not None and "Edited" in h.contents.value
    assert await hover(client, "file:///nowhere/never-opened.txt", 0, 0) is None


async def test_hover_format_setting_overrides(client: LanguageClient):
    uri, _ = await open_doc(client, EXAMPLE)
    client.workspace_did_change_configuration(t.DidChangeConfigurationParams(settings={"hover": {"format": "plaintext", "diffBlock": False}}))
    import asyncio

    for _ in range(200):
        h = await hover(client, uri, 9, 3)
        if h.contents.kind == t.MarkupKind.PlainText:
            break
        await asyncio.sleep(0.01)
    assert h.contents.kind == t.MarkupKind.PlainText and "[-vital-]" in h.contents.value
