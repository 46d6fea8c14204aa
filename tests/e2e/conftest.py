"""A live server on loopback backed by its own migrated SQLite file, and Debian's headless Chromium."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD
from tt_platform import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    from flask_migrate import upgrade

    tmp = tmp_path_factory.mktemp("live")
    app = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True, "DATABASE_URL": f"sqlite:///{tmp / 'live.db'}",
                      "SEARCH_INDEX_DIR": str(tmp / "index"), "SEARCH_VECTOR_DIR": str(tmp / "vectors")})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    return app


@pytest.fixture(scope="module")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (make system-deps installs it)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def log_in(page, base, email, password=None):
    """Log in through the form (the factories' password unless given) and wait for the workspace."""
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password or PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")
