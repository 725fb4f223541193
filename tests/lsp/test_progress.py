"""Work-done progress while a large dump is analysed, when the client supports it."""

from lsprotocol import types as t
from pytest_lsp import LanguageClient

from conftest import EXAMPLE, open_doc


def big_dump() -> str:
    text = EXAMPLE.read_text()
    ls = text.split("\n")
    head, body = ls[:9], ls[9:]
    rows = []
    while sum(len(r) + 1 for r in rows) < 1_200_000:
        rows.extend(body)
    return "\n".join(head + rows)


async def test_progress_for_large_dump(plain_client: LanguageClient, tmp_path):
    client = plain_client
    p = tmp_path / "big.txt"
    text = big_dump()
    p.write_text(text)
    uri, _ = await open_doc(client, p, timeout=120) if False else await open_doc(client, p)
    assert client.progress_reports, "a progress token was created"
    reports = list(client.progress_reports.values())[0]
    assert isinstance(reports[0], t.WorkDoneProgressBegin)
    assert isinstance(reports[-1], t.WorkDoneProgressEnd)
    assert client.diagnostics[uri]


async def test_no_progress_for_small_dump(plain_client: LanguageClient):
    await open_doc(plain_client, EXAMPLE)
    assert not plain_client.progress_reports
