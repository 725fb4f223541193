"""Position encodings: UTF-8 when offered, else UTF-16; UTF-32 too; clamping; curly
quotes, accents, emoji and CJK measured in the negotiated units."""

import pytest
from lsprotocol import types as t
from pytest_lsp import LanguageClient, ClientServerConfig
import pytest_lsp

from conftest import BIN, make_client, capabilities, open_doc, units, pos
from unicode_dump import TEXT, LINES, CHANGED_LINE, ADDED_LINE, OLD, NEW


def index_in_text(line: int, col_chars: int) -> int:
    return sum(len(l) + 1 for l in LINES[:line]) + col_chars


async def test_split_hint_and_ranges_in_units(client: LanguageClient, tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_text(TEXT, encoding="utf-8")
    uri, _ = await open_doc(client, p)
    enc = client.encoding
    diags = client.diagnostics[uri]
    edited = [d for d in diags if d.range.start.line == CHANGED_LINE and d.code == "edited"]
    assert edited, [(d.range.start.line, d.code) for d in diags]
    # The diagnostic spans the whole row, measured in the negotiated units.
    assert edited[0].range.end.character == units(LINES[CHANGED_LINE], enc)
    hints = await client.text_document_inlay_hint_async(
        t.InlayHintParams(
            text_document=t.TextDocumentIdentifier(uri=uri),
            range=t.Range(start=t.Position(line=0, character=0), end=t.Position(line=20, character=0)),
        )
    )
    split = [h for h in hints if h.position.line == CHANGED_LINE][0]
    assert split.position == pos(TEXT, index_in_text(CHANGED_LINE, len(OLD) + 1), enc)
    assert split.label == "⟧ v3:"
    plus = [h for h in hints if h.position.line == ADDED_LINE][0]
    assert plus.label in ("+v3", "−v3") and plus.position.character == 0
    # Semantic tokens: the removed and added words sit where the text has them.
    toks = await client.text_document_semantic_tokens_full_async(
        t.SemanticTokensParams(text_document=t.TextDocumentIdentifier(uri=uri))
    )
    data = toks.data
    line = col = 0
    found = []
    for i in range(0, len(data), 5):
        dl, ds, ln, ty, _ = data[i : i + 5]
        line += dl
        col = ds if dl else col + ds
        found.append((line, col, ln, ty))
    on_row = [f for f in found if f[0] == CHANGED_LINE]
    row = LINES[CHANGED_LINE]
    fermes = row.index("fermés")
    ouverts = row.index("ouverts")
    assert (CHANGED_LINE, units(row[:fermes], enc), units("fermés", enc), 0) in on_row
    assert (CHANGED_LINE, units(row[:ouverts], enc), units("ouverts", enc), 1) in on_row
    # Hover past the end of the line is clamped, not an error.
    h = await client.text_document_hover_async(
        t.HoverParams(text_document=t.TextDocumentIdentifier(uri=uri), position=t.Position(line=CHANGED_LINE, character=9999))
    )
    assert h and "Edited" in h.contents.value
    assert h.range.end.character == units(row, enc)


async def test_incremental_edit_in_units(client: LanguageClient, tmp_path):
    p = tmp_path / "unicode.txt"
    p.write_text(TEXT, encoding="utf-8")
    uri, _ = await open_doc(client, p)
    enc = client.encoding
    row = LINES[CHANGED_LINE]
    # Replace "soir" (in the newer half, after emoji and CJK) with "midi".
    at = row.rindex("soir")
    start = t.Position(line=CHANGED_LINE, character=units(row[:at], enc))
    end = t.Position(line=CHANGED_LINE, character=units(row[: at + 4], enc))
    client.text_document_did_change(
        t.DidChangeTextDocumentParams(
            text_document=t.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[t.TextDocumentContentChangePartial(range=t.Range(start=start, end=end), text="midi")],
        )
    )
    from conftest import wait_diagnostics

    await wait_diagnostics(client, uri, 2)
    vt = await client.protocol.send_request_async("palimpsest/versionText", {"textDocument": {"uri": uri}, "version": 3})
    assert "ce midi." in vt.text and "ce soir" not in vt.text


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "lsp"], client_factory=make_client))
async def utf32_client(lsp_client: LanguageClient):
    caps = capabilities("utf-32", "markdown")
    res = await lsp_client.initialize_session(t.InitializeParams(capabilities=caps))
    lsp_client.encoding = "utf-32"
    lsp_client.negotiated = res.capabilities.position_encoding
    yield
    await lsp_client.shutdown_session()


async def test_utf32(utf32_client: LanguageClient, tmp_path):
    assert utf32_client.negotiated == "utf-32"
    p = tmp_path / "unicode.txt"
    p.write_text(TEXT, encoding="utf-8")
    uri, _ = await open_doc(utf32_client, p)
    d = [d for d in utf32_client.diagnostics[uri] if d.range.start.line == CHANGED_LINE and d.code == "edited"][0]
    assert d.range.end.character == len(LINES[CHANGED_LINE])


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BIN, "lsp"], client_factory=make_client))
async def default_client(lsp_client: LanguageClient):
    caps = capabilities("utf-16", "markdown")
    caps.general.position_encodings = None
    res = await lsp_client.initialize_session(t.InitializeParams(capabilities=caps))
    lsp_client.negotiated = res.capabilities.position_encoding
    yield
    await lsp_client.shutdown_session()


async def test_no_offer_means_utf16(default_client: LanguageClient):
    assert default_client.negotiated == "utf-16"
