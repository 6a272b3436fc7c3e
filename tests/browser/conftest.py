"""The workspace in a real browser: pytest-playwright driving Debian's chromium (/usr/bin/chromium, never a
browser Playwright downloads) against a live service on a temporary database with the test model.

- `live_service`: one service per session (tests/live_service.py) on SQLite in a temporary folder, the
  trained test model of tests/conftest.py, and one user per role (USERS), made through the library.
- `base_url`: that service, so `page.goto("/ui/")` works.
- `sign_in(page, role)`: signs the page in as the user of that role ("leser", "pruefer", "admin").
- `workspace`: the library's view of the live database (to check what a page stored).
- `screenshot(page, name)`: docs/screenshots/<name>.png at the 1280×800 viewport.

Without /usr/bin/chromium the tests are skipped with the reason; with CI set they fail instead
(`make browser-deps` installs it; .ci/run calls that).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from live_service import service_env, start_service, wait_ready
from service_process import free_port, stop

from nlp.storage.store import Store
from nlp.storage.workspace import Workspace

CHROMIUM = Path(os.environ.get("KFD_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
# Invented people, one per role.
PASSWORD = "browser-test-passwort"
USERS = {"leser": "lena.leser", "pruefer": "paula.pruefer", "admin": "anton.admin"}


def _chromium_missing() -> str | None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return None
    return (
        f"the browser tests need Debian's chromium at {CHROMIUM} (`make browser-deps` installs it): not found"
    )


@pytest.fixture(scope="session", autouse=True)
def _chromium_present() -> None:
    reason = _chromium_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "de-DE"}


@pytest.fixture(scope="session")
def live_folder(tmp_path_factory, trained_model, install_model) -> Path:
    base = tmp_path_factory.mktemp("browser")
    models = base / "models"
    models.mkdir()
    install_model(trained_model, models)
    return base


@pytest.fixture(scope="session")
def database_url_live(live_folder: Path) -> str:
    return f"sqlite:///{live_folder / 'db' / 'kfd.sqlite3'}"


@pytest.fixture(scope="session")
def workspace(database_url_live: str) -> Iterator[Workspace]:
    """The live service's database through the library; one user per role is made here."""
    store = Store(database_url_live)
    ws = Workspace(store)
    for role, name in USERS.items():
        ws.add_user(name, PASSWORD, role)
    yield ws
    store.close()


@pytest.fixture(scope="session")
def live_service(live_folder: Path, database_url_live: str, workspace: Workspace, keys) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = live_folder / "service.log"
    env = service_env(port, database_url_live, live_folder / "models", keys)
    process = start_service(env, live_folder, log)
    try:
        wait_ready(process, base, log)
        yield base
    finally:
        stop(process)


@pytest.fixture(scope="session")
def base_url(live_service: str) -> str:
    return live_service


@pytest.fixture(scope="session")
def sign_in(base_url: str) -> Callable:
    """Sign `page` in as the user of `role` through the sign-in form; returns the user name."""

    def do(page, role: str) -> str:
        name = USERS[role]
        page.goto(f"{base_url}/ui/anmelden")
        page.get_by_label("Benutzername").fill(name)
        page.get_by_label("Passwort").fill(PASSWORD)
        page.get_by_role("button", name="Anmelden").click()
        page.wait_for_url(f"{base_url}/ui/")
        return name

    return do


@pytest.fixture(scope="session")
def screenshot(tmp_path_factory) -> Callable:
    """Save the page as <name>.png: into docs/screenshots/ (the README shows them) with
    KFD_SCREENSHOTS=1 (`make screenshots`), else into a temporary folder, so that a test run
    leaves the repository as it was."""
    folder = (
        SCREENSHOTS if os.environ.get("KFD_SCREENSHOTS") == "1" else tmp_path_factory.mktemp("screenshots")
    )
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return shoot


@pytest.fixture(scope="session")
def browser_reports(tmp_path_factory, service_report, make_docx, make_html) -> Path:
    """Report files to upload: the invented service reports as .txt, .docx and .html."""
    folder = tmp_path_factory.mktemp("uploads")
    shutil.copy(
        Path(__file__).resolve().parents[1] / "data" / "service_corpus" / "reports" / "lindenau.txt", folder
    )
    (folder / "birkenfeld.docx").write_bytes(make_docx(service_report("birkenfeld.txt")))
    (folder / "erlenbach.html").write_text(make_html(service_report("erlenbach.txt")), encoding="utf-8")
    return folder
