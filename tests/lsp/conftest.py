"""Shared fixtures: the real `palimpsest lsp` binary over stdio, driven by pytest-lsp
(every message is checked against the LSP specification's types).

The `client` fixture runs each test under four client set-ups: UTF-8 and UTF-16
position encodings, each with a markdown-first and a plaintext-first hover."""

import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types as t
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pygls.protocol import default_converter

sys.path.insert(0, os.path.dirname(__file__))

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("PALIMPSEST_BIN", str(ROOT / "target" / "release" / "palimpsest"))
CORPUS = ROOT.parent / "shared" / "corpus"
EXAMPLE = ROOT / "examples" / "south-korea-japan-gsomia.txt"
DEV = CORPUS / "dev"
# A few dev-corpus dumps with different shapes (edits, additions, removals).
DEV_DUMPS = [
    DEV / "nasa-20-years-ago-selects-19th-1.txt",
    DEV / "nasa-cloudsat-ends-mission-peering-into-2.txt",
    DEV / "nasa-eclipses-near-far-1.txt",
]
DUMPS = [EXAMPLE] + [p for p in DEV_DUMPS if p.exists()]
# Dumps likely to hold an ambiguous row (the tests look for one and use the first).
AMBIGUOUS_CANDIDATES = [EXAMPLE] + sorted(DEV.glob("*.txt"))[:12]


def is_row_ambiguity(d) -> bool:
    return str(d.code).startswith("ambiguous-") and d.code != "ambiguous-title"


async def open_ambiguous(client, tmp_path=None):
    """Opens the first candidate dump with an ambiguous row (a copy in tmp_path when
    given); returns (uri, text, ambiguous diagnostics)."""
    for path in AMBIGUOUS_CANDIDATES:
        target = path
        if tmp_path is not None:
            target = tmp_path / path.name
            target.write_text(path.read_text())
        uri, text = await open_doc(client, target)
        amb = [d for d in client.diagnostics[uri] if is_row_ambiguity(d)]
        if amb:
            return uri, text, amb
    raise AssertionError("no candidate dump has an ambiguous row")

SETUPS = [("utf-8", "markdown"), ("utf-16", "markdown"), ("utf-8", "plaintext"), ("utf-16", "plaintext")]


def _publish(client: LanguageClient, params: t.PublishDiagnosticsParams):
    client.diagnostics[params.uri] = params.diagnostics
    client.diag_versions[params.uri] = params.version
    client.diag_log.append(params)


def make_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _publish
    register_lsp_features(client, features)
    client.refreshes = []
    for method in (t.WORKSPACE_CODE_LENS_REFRESH, t.WORKSPACE_SEMANTIC_TOKENS_REFRESH, t.WORKSPACE_INLAY_HINT_REFRESH):
        def refresh(params, method=method):
            client.refreshes.append(method)
            return None

        client.feature(method)(refresh)
    client.registrations = []

    @client.feature(t.CLIENT_REGISTER_CAPABILITY)
    def register(params: t.RegistrationParams):
        client.registrations.extend(params.registrations)
        return None

    client.diag_versions = {}
    client.diag_log = []
    return client


def capabilities(encoding: str, hover: str) -> t.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    caps.general = caps.general or t.GeneralClientCapabilities()
    caps.general.position_encodings = [encoding]
    other = "plaintext" if hover == "markdown" else "markdown"
    caps.text_document.hover.content_format = [t.MarkupKind(hover), t.MarkupKind(other)]
    return caps


CONFIG = ClientServerConfig(server_command=[BIN, "lsp"], client_factory=make_client)


@pytest_lsp.fixture(config=CONFIG, params=SETUPS, ids=[f"{e}-{h}" for e, h in SETUPS])
async def client(lsp_client: LanguageClient, request):
    encoding, hover = request.param
    lsp_client.encoding = encoding
    lsp_client.hover_format = hover
    result = await lsp_client.initialize_session(t.InitializeParams(capabilities=capabilities(encoding, hover)))
    assert result.capabilities.position_encoding == encoding
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def plain_client(lsp_client: LanguageClient):
    """One UTF-16 client, for tests that need no encoding variants."""
    lsp_client.encoding = "utf-16"
    lsp_client.hover_format = "markdown"
    await lsp_client.initialize_session(t.InitializeParams(capabilities=capabilities("utf-16", "markdown")))
    yield
    await lsp_client.shutdown_session()


# ---- helpers -------------------------------------------------------------------------


def units(s: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(s.encode("utf-8"))
    if encoding == "utf-16":
        return len(s.encode("utf-16-le")) // 2
    return len(s)


def pos(text: str, index: int, encoding: str) -> t.Position:
    """LSP position of a str index (code points) in `text`."""
    before = text[:index]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    return t.Position(line=line, character=units(text[start:index], encoding))


def lines(text: str):
    return text.split("\n")


async def open_doc(client: LanguageClient, path: pathlib.Path, text: str | None = None, version: int = 1,
                   uri: str | None = None) -> tuple[str, str]:
    """Opens a document and waits for its diagnostics; returns (uri, text)."""
    text = path.read_text(encoding="utf-8") if text is None else text
    uri = uri or path.resolve().as_uri()
    client.text_document_did_open(
        t.DidOpenTextDocumentParams(
            text_document=t.TextDocumentItem(uri=uri, language_id="palimpsest", version=version, text=text)
        )
    )
    await wait_diagnostics(client, uri, version)
    return uri, text


async def wait_diagnostics(client: LanguageClient, uri: str, version: int, timeout: float = 30):
    import asyncio

    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while client.diag_versions.get(uri) != version:
        if loop.time() > end:
            raise TimeoutError(f"no diagnostics for {uri} version {version} (have {client.diag_versions.get(uri)})")
        await asyncio.sleep(0.01)
    return client.diagnostics[uri]


async def custom(client: LanguageClient, method: str, params: dict):
    """Sends a custom request; returns the result as plain Python data."""
    result = await client.protocol.send_request_async(method, params)
    return to_plain(result)


def to_plain(x):
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, dict):
        return {k: to_plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return [to_plain(v) for v in x]
    if hasattr(x, "_asdict"):
        return {k: to_plain(v) for k, v in x._asdict().items()}
    if hasattr(x, "__dict__"):
        return {k: to_plain(v) for k, v in vars(x).items()}
    return x


def truth_of(path: pathlib.Path):
    import json

    p = path.with_suffix(".truth.json")
    if not p.exists():
        p = path.parent / (path.stem + ".truth.json")
    return json.loads(p.read_text()) if p.exists() else None


def show(path: pathlib.Path, version: int) -> str:
    import subprocess

    return subprocess.run([BIN, "show", "--version", str(version), str(path)], capture_output=True, text=True,
                          check=True).stdout
