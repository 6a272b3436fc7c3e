"""Ten hostile uploads at once (a .docx that unpacks to 30 MB, HTML nested 100,000 deep) are refused with
422 each, while /healthz and an ordinary upload keep answering (issue #17)."""

from __future__ import annotations

import io
import zipfile
from concurrent.futures import ThreadPoolExecutor

from conftest import SEED_PATH


def _docx_bomb(make_docx) -> bytes:
    docx = make_docx(SEED_PATH.read_text(encoding="utf-8"))
    source = zipfile.ZipFile(io.BytesIO(docx))
    xml = source.read("word/document.xml")
    head, tail = xml.split(b"<w:body>", 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = (
                head + b"<w:body>" + b" " * 30_000_000 + tail
                if name == "word/document.xml"
                else source.read(name)
            )
            target.writestr(name, data)
    return out.getvalue()


def test_parallel_bombs_are_refused_and_the_service_keeps_answering(client, auth, make_docx, service_report):
    docx_bomb = _docx_bomb(make_docx)
    html_bomb = ("<div>" * 100_000 + "Bewertung" + "</div>" * 100_000).encode()
    assert len(docx_bomb) < 200_000 and len(html_bomb) < 1_300_000
    headers = auth("read")

    def post(i: int):
        name, body = ("bombe.docx", docx_bomb) if i % 2 else ("bombe.html", html_bomb)
        return client.post("/v1/reports", files={"file": (name, body)}, headers=headers)

    with ThreadPoolExecutor(12) as pool:
        bombs = [pool.submit(post, i) for i in range(10)]
        health = pool.submit(client.get, "/healthz")
        normal = pool.submit(
            client.post, "/v1/reports", json={"text": service_report("lindenau.txt")}, headers=headers
        )
        replies = [b.result() for b in bombs]
    assert [r.status_code for r in replies] == [422] * 10
    assert all("limit" in r.json()["detail"] for r in replies)
    assert health.result().status_code == 200
    assert normal.result().status_code == 201
