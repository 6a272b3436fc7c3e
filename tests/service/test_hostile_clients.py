"""The service against hostile web pages and hostile input (issue #17): a page in the user's browser must
not reach a key-less service, and no input gets a 500, an unbounded amount of CPU or a silent drop."""

from __future__ import annotations

import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import REPO, text_to_docx
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings

LOOPBACK = "http://127.0.0.1:8000"
PAGE = "https://evil.example"


@pytest.fixture
def open_settings(settings) -> Settings:
    """No keys: the mode of `make run` on a laptop."""
    return settings.model_copy(update={"api_keys": [], "admin_keys": []})


def local_client(settings: Settings, base_url: str = LOOPBACK) -> TestClient:
    return TestClient(create_app(settings), base_url=base_url, client=("127.0.0.1", 50000))


@pytest.fixture
def local(open_settings):
    with local_client(open_settings) as client:
        yield client


# -- no-key mode: DNS rebinding, cross-origin writes, simple requests ------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:8000", "localhost:8123", "[::1]:8000", "[::1]"])
def test_no_key_mode_answers_loopback_host_names(local, host):
    assert local.get("/v1/reports", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example", "10.0.0.1"])
def test_no_key_mode_refuses_a_foreign_host_header(local, host):
    """DNS rebinding: a page whose name now points at 127.0.0.1 sends its own name as Host."""
    reply = local.get("/v1/reports", headers={"Host": host})
    assert reply.status_code == 421
    assert "Host" in reply.json()["detail"]


def test_key_mode_serves_any_host_header(client, auth):
    reply = client.get("/v1/reports", headers=auth("read") | {"Host": "kfd.intern.example"})
    assert reply.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": PAGE},
        {"Origin": "null"},
        {"Origin": "http://127.0.0.1.evil.example:8000"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": LOOPBACK, "Sec-Fetch-Site": "cross-site"},
    ],
)
def test_no_key_mode_refuses_cross_origin_writes(local, service_report, headers):
    """What a form on any web page (or its fetch in no-cors mode) sends: nothing is stored or reloaded."""
    form = {"file": ("x.txt", service_report("lindenau.txt").encode())}
    stored = local.post("/v1/reports", files=form, headers=headers | {"X-Requested-With": "x"})
    assert stored.status_code == 403 and "cross-origin" in stored.json()["detail"]
    assert local.post("/v1/model/reload", headers=headers).status_code == 403
    assert local.delete("/v1/reports/1", headers=headers).status_code == 403
    assert local.get("/v1/reports").json()["total"] == 0


def test_no_key_mode_allows_writes_from_its_own_pages(local, service_report):
    same = {"Origin": LOOPBACK, "Sec-Fetch-Site": "same-origin"}
    reply = local.post("/v1/reports", json={"text": service_report("lindenau.txt")}, headers=same)
    assert reply.status_code == 201
    upload = local.post(
        "/v1/reports", files={"file": ("b.txt", service_report("birkenfeld.txt").encode())}, headers=same
    )
    assert upload.status_code == 201


def test_no_key_mode_reload_refuses_a_form_content_type(local):
    """A `text/plain` or form POST is a "simple" request a page may send without asking."""
    for content_type in (
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ):
        reply = local.post("/v1/model/reload", content=b"x", headers={"Content-Type": content_type})
        assert reply.status_code == 415, content_type
        assert "application/json" in reply.json()["detail"]
    assert local.post("/v1/model/reload").status_code == 200  # curl -X POST: no body, no type
    assert local.post("/v1/model/reload", json={}).status_code == 200


def test_no_key_mode_upload_needs_a_header_no_form_can_send(local, service_report):
    form = {"file": ("lindenau.txt", service_report("lindenau.txt").encode())}
    refused = local.post("/v1/reports", files=form)
    assert refused.status_code == 403 and "X-Requested-With" in refused.json()["detail"]
    assert local.get("/v1/reports").json()["total"] == 0
    assert local.post("/v1/reports", files=form, headers={"X-KFD-Client": "intake"}).status_code == 201
    assert local.post("/v1/reports", files=form, headers={"X-Requested-With": "curl"}).status_code == 200


def test_key_mode_upload_needs_no_extra_header(client, auth, service_report):
    form = {"file": ("lindenau.txt", service_report("lindenau.txt").encode())}
    assert client.post("/v1/reports", files=form, headers=auth("read")).status_code == 201


# -- the README's curl lines, unchanged, in both modes --------------------------------------------------


def _readme_curl_lines() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", readme, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip().startswith("curl "):
                lines.append(re.sub(r"\s+", " ", line.split(" #")[0]).strip())
    return lines


def _curl(client: TestClient, line: str, workdir: Path):
    """Send a curl command line as curl would (the options the README uses: -X -H -d -F -o)."""
    args = shlex.split(line)[1:]
    method, headers, data, fields, files, url = None, {}, None, {}, {}, None
    options = iter(args)
    for arg in options:
        if arg == "-X":
            method = next(options)
        elif arg == "-H":
            name, _, value = next(options).partition(":")
            headers[name.strip()] = value.strip()
        elif arg == "-d":
            data = next(options).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        elif arg == "-F":
            name, _, value = next(options).partition("=")
            if value.startswith("@"):
                path = workdir / value[1:]
                files[name] = (path.name, path.read_bytes())
            else:
                fields[name] = value
        elif arg == "-o":
            next(options)
        else:
            url = arg
    assert url is not None and url.startswith(LOOPBACK), line
    method = method or ("POST" if data is not None or files else "GET")
    if files:
        return client.request(method, url, files=files, data=fields, headers=headers)
    return client.request(method, url, content=data, headers=headers)


@pytest.mark.parametrize("keys", ["none", "README's keys"])
def test_readme_curl_lines_work_unchanged(settings, service_report, tmp_path, keys):
    """Every curl line of the README, as written, against the service without keys and with the keys the
    README configures (reader1, admin1). A line without a key is expected to get 401 when keys are set."""
    update = {"api_keys": [], "admin_keys": []}
    if keys != "none":
        update = {"api_keys": ["reader1"], "admin_keys": ["admin1"]}
    (tmp_path / "bericht.docx").write_bytes(text_to_docx(service_report("lindenau.txt")))
    lines = _readme_curl_lines()
    assert len(lines) >= 4 and any("-F file=@" in line for line in lines)
    with local_client(settings.model_copy(update=update)) as client:
        for line in lines:
            reply = _curl(client, line, tmp_path)
            if keys != "none" and "Authorization" not in line:
                assert reply.status_code == 401, line
            else:
                assert reply.status_code in (200, 201), f"{line}: {reply.status_code} {reply.text[:300]}"


# -- every bad input a 4xx ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["?offset=9223372036854775808", "?offset=2147483649", "?offset=1e3"])
def test_list_reports_huge_offset_is_422(client, auth, query):
    reply = client.get(f"/v1/reports{query}", headers=auth("read"))
    assert reply.status_code == 422
    assert "offset" in str(reply.json()["detail"])


def test_list_reports_largest_offset_is_an_empty_page(client, auth):
    reply = client.get(f"/v1/reports?offset={2**31}", headers=auth("read"))
    assert reply.status_code == 200 and reply.json()["items"] == []


def test_classify_statement_length_counts_after_trimming(client, auth):
    text = "   " + "Die Moderation war gut. " * 208 + "Ende"  # 4,996 characters inside the spaces
    assert len(text.strip()) <= 5000 < len(text + "   ")
    reply = client.post("/v1/classify", json={"statements": [{"text": text + "   "}]}, headers=auth("read"))
    assert reply.status_code == 200, reply.text
    assert reply.json()["statements"][0]["text"] == text.strip()


def test_classify_too_many_characters_in_one_request_is_413(client, auth):
    """400 statements of 5,000 characters each (2 MB, under the body limit) are refused before tagging."""
    statement = ("Gute Moderation, aber zu wenig Zeit. " * 140)[:4999] + "."
    body = {"statements": [{"text": statement}] * 400}
    reply = client.post("/v1/classify", json=body, headers=auth("read"))
    assert reply.status_code == 413
    detail = reply.json()["detail"]
    assert "2000000 characters" in detail and "KFD_MAX_REQUEST_CHARS" in detail


def test_classify_request_chars_setting_is_the_limit(settings, auth):
    with TestClient(create_app(settings.model_copy(update={"max_request_chars": 60}))) as client:
        one = {"statements": [{"text": "Die Moderation war gut."}, {"text": "Zu wenig Zeit."}]}
        assert client.post("/v1/classify", json=one, headers=auth("read")).status_code == 200
        two = {"statements": one["statements"] * 2}
        assert client.post("/v1/classify", json=two, headers=auth("read")).status_code == 413


# -- conflicts are said -----------------------------------------------------------------------------------


def _variant(text: str, number: int) -> str:
    """The report with its Kommune's name changed: other content, the same form."""
    name = text.split("\n")[3]
    return text.replace(name, f"{name} {number:02d}", 1)


def test_post_report_same_external_id_other_content_is_409(client, auth, service_report):
    text = service_report("lindenau.txt")
    first = client.post("/v1/reports", json={"text": text, "external_id": "in-5"}, headers=auth("read"))
    other = _variant(text, 1)
    reply = client.post("/v1/reports", json={"text": other, "external_id": "in-5"}, headers=auth("read"))
    assert reply.status_code == 409
    detail = reply.json()["detail"]
    assert first.json()["content_sha256"] in detail
    assert (
        client.post("/v1/reports", json={"text": other}, headers=auth("read")).json()["content_sha256"]
        in detail
    )
    again = client.post("/v1/reports", json={"text": text, "external_id": "in-5"}, headers=auth("read"))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_post_report_parallel_conflicting_posts_keep_one_and_refuse_the_rest(
    backend_client, auth, service_report
):
    client = backend_client  # on SQLite and on PostgreSQL
    texts = [_variant(service_report("erlenbach.txt"), n) for n in range(20)]

    def post(text: str):
        return client.post("/v1/reports", json={"text": text, "external_id": "race"}, headers=auth("read"))

    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(post, texts))
    codes = sorted(reply.status_code for reply in replies)
    assert codes == [201] + [409] * 19, codes
    winner = next(reply.json() for reply in replies if reply.status_code == 201)
    for reply in replies:
        if reply.status_code == 409:
            assert winner["content_sha256"] in reply.json()["detail"]
    assert client.get("/v1/reports", headers=auth("read")).json()["total"] == 1


# -- file names, empty reports ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("bericht\x00.txt", "bericht.txt"),
        ("..\\..\\windows\\bericht.txt", "bericht.txt"),
        ("C:\\Users\\x\\Desktop\\bericht.txt", "bericht.txt"),
        ("../../etc/bericht.txt", "bericht.txt"),
        ("ber\u202eicht\u2066\u200f.txt", "bericht.txt"),
        ("zeile\r\numbruch\t.txt", "zeileumbruch.txt"),
        ("x" * 300 + ".txt", "x" * 251 + ".txt"),
        ("..", None),
        ("\u202e", None),
    ],
)
def test_post_report_normalises_the_file_name(client, auth, service_report, sent, kept):
    reply = client.post(
        "/v1/reports", json={"text": service_report("lindenau.txt"), "filename": sent}, headers=auth("read")
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["filename"] == kept
    assert {s["report"] for s in reply.json()["statements"]} == {kept}
    listed = client.get("/v1/reports", headers=auth("read")).json()["items"]
    assert [item["filename"] for item in listed] == [kept]


def test_post_report_upload_normalises_the_file_name(client, auth, service_report):
    form = {"file": ("..\\ber\u202eicht.txt", service_report("lindenau.txt").encode())}
    reply = client.post("/v1/reports", files=form, headers=auth("read"))
    assert reply.status_code == 201, reply.text
    assert reply.json()["filename"] == "bericht.txt"


@pytest.mark.parametrize(
    "text",
    [
        "Angaben zur Kommune\n\nBewertung des Ablaufs und der Ergebnisse\n",
        "Bewertung des Ablaufs und der Ergebnisse\n-----\n?!\n",
    ],
    ids=["headings-only", "junk"],
)
def test_post_report_without_statements_is_stored_with_a_warning(client, auth, text):
    reply = client.post("/v1/reports", json={"text": text}, headers=auth("read"))
    assert reply.status_code == 201
    body = reply.json()
    assert body["statements"] == []
    assert any(w.startswith("no statements found: ") for w in body["warnings"]), body["warnings"]
    stored = client.get(f"/v1/reports/{body['id']}", headers=auth("read")).json()
    assert stored["warnings"] == body["warnings"]


# -- offline API documentation -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_load_every_asset_from_the_service(local, page):
    reply = local.get(page)
    assert reply.status_code == 200
    html = reply.text
    urls = re.findall(r"""(?:src|href|url)\s*[=:(]\s*['"]([^'"]+)['"]""", html)
    assert urls, html
    outside = [u for u in re.findall(r"""https?://[^\s'"<>)]+""", html)]
    assert outside == [], outside
    assets = [u for u in urls if u.startswith("/static/")]
    assert len(assets) >= (3 if page == "/docs" else 2), urls
    for url in assets:
        asset = local.get(url)
        assert asset.status_code == 200, url
        assert asset.content
    assert "validatorUrl" in html or page == "/redoc"  # the online validator badge stays off
