"""The platform when what it stands on fails (issue 21): the database unreachable, the upload disk full.
Each gives a clear log line and a 503 page in the user's language (never a traceback), and writes nothing
half: no row pointing to a file that was not stored, no truncated file left behind."""
from __future__ import annotations

import errno
import io
import logging
import pathlib
import socket
import sqlite3

import pytest
import sqlalchemy as sa

from tests import own_database
from tests.conftest import TEST_CONFIG
from tests.factories import make_achievement, make_broker, make_demand, make_operator, make_org, make_user
from tests.sheets import xlsx_of
from tests.tt_platform.bulk.test_import import result_row
from tt_platform import create_app
from tt_platform.accounts.models import OrgKind, User
from tt_platform.achievements.models import Achievement
from tt_platform.brokerage import services as cases
from tt_platform.brokerage.models import Document
from tt_platform.bulk.models import ImportJob
from tt_platform.database import db
from tt_platform.listings.models import ListingStatus

DATABASE_DOWN = "数据库暂时无法连接，因此没有保存任何内容。请过几分钟再试。"
STORAGE_FULL = "文件无法保存：服务器存储空间已满或不可用。没有保存任何内容，请稍后再试。"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_without_database(tmp_path):
    """A PostgreSQL URL pointing at a closed port: the server is down or unreachable."""
    return create_app({**TEST_CONFIG, "DATABASE_URL": f"postgresql+psycopg://tt@127.0.0.1:{closed_port()}/tt",
                       "SEARCH_INDEX_DIR": str(tmp_path / "index"), "SEARCH_VECTOR_DIR": str(tmp_path / "vectors"),
                       "UPLOAD_DIR": str(tmp_path / "uploads")})


def test_the_database_unreachable_gives_a_503_page_and_a_log_line(app_without_database, caplog):
    client = app_without_database.test_client()
    with caplog.at_level(logging.ERROR, logger="tt_platform.errors"):
        for path in ("/", "/results/", "/demands/"):
            page = client.get(path)
            assert page.status_code == 503, path
            body = page.get_data(as_text=True)
            assert DATABASE_DOWN in body and "Traceback" not in body and "psycopg" not in body
        # a logged-in visitor: loading the user is what fails, and the page still renders
        with client.session_transaction() as session:
            session["_user_id"] = "1:0"
        assert client.get("/").status_code == 503
        # a form sent while it is down: told that nothing was saved
        sent = client.post("/login", data={"email": "a@example.cn", "password": "x" * 12})
        assert sent.status_code == 503 and DATABASE_DOWN in sent.get_data(as_text=True)
    lines = [r.getMessage() for r in caplog.records if r.name == "tt_platform.errors"]
    assert lines and all(line.startswith("database unavailable (request ") for line in lines)
    assert any("127.0.0.1" in line or "connection" in line.lower() for line in lines)


def test_the_database_unreachable_through_the_api_and_the_health_check(app_without_database):
    client = app_without_database.test_client()
    answer = client.get("/results/", headers={"Accept": "application/json"})
    assert answer.status_code == 503 and answer.json["status"] == 503 and answer.json["request_id"]
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200  # the process itself is alive


def test_english_readers_get_the_message_in_english(app_without_database):
    client = app_without_database.test_client()
    with client.session_transaction() as session:
        session["locale"] = "en"  # as the language switch leaves it
    page = client.get("/")
    assert page.status_code == 503
    assert "The database cannot be reached right now, so nothing was saved." in page.get_data(as_text=True)


def full_disk(monkeypatch, folder: pathlib.Path, written: list[pathlib.Path]):
    """Writes under `folder` get half their bytes on disk, then ENOSPC — as a full disk or quota does."""
    real = pathlib.Path.write_bytes

    def write_bytes(self, data):
        if folder in self.parents:
            written.append(self)
            real(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", write_bytes)


def test_a_case_document_on_a_full_disk(app, db, login, tmp_path, monkeypatch, caplog):
    uploads = tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = str(uploads)
    broker = make_broker(make_org(OrgKind.AGENCY))
    case = cases.open_case(broker, "磁盘已满", [make_demand()], [make_achievement()])
    db.session.commit()
    attempted: list[pathlib.Path] = []
    full_disk(monkeypatch, uploads, attempted)
    with caplog.at_level(logging.ERROR, logger="tt_platform.uploads"):
        page = login(broker).post(f"/cases/{case.id}/documents", content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(b"%PDF-1.4 " + b"x" * 4000), "方案.pdf")})
    assert page.status_code == 503
    assert STORAGE_FULL in page.get_data(as_text=True)
    assert attempted, "the upload reached the disk"
    assert not any(p.exists() for p in attempted)  # the half-written file is gone
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(Document.case_id == case.id)) == 0
    assert any("upload not stored" in r.getMessage() and "No space left" in r.getMessage() for r in caplog.records)
    monkeypatch.undo()
    # space freed: the same upload goes through
    again = login(broker).post(f"/cases/{case.id}/documents", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(b"%PDF-1.4 " + b"x" * 4000), "方案.pdf")})
    assert again.status_code == 302
    assert len(list(uploads.iterdir())) == 1


def test_a_bulk_import_file_on_a_full_disk(app, db, login, tmp_path, monkeypatch):
    """The import page keeps the uploaded file until the import ends: with no room for it, no job is made."""
    uploads = tmp_path / "uploads"
    app.config["UPLOAD_DIR"] = str(uploads)
    org = make_org(OrgKind.UNIVERSITY)
    admin = make_user(org, admin=True)
    db.session.commit()
    attempted: list[pathlib.Path] = []
    full_disk(monkeypatch, uploads, attempted)
    page = login(admin).post("/imports/results/new", content_type="multipart/form-data", data={
        "organisation_id": org.id, "file": (io.BytesIO(xlsx_of([result_row(31)])), "成果.xlsx")})
    assert page.status_code == 503 and STORAGE_FULL in page.get_data(as_text=True)
    assert attempted and not any(p.exists() for p in attempted)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportJob).where(
        ImportJob.user_id == admin.id)) == 0


def test_bootstrap_with_the_database_unreachable_says_so_in_one_line(app_without_database):
    with app_without_database.app_context():  # as `flask bootstrap` runs it
        result = app_without_database.test_cli_runner().invoke(args=["bootstrap"])
    assert result.exit_code == 1
    assert "the database is unreachable (" in result.output and "Connection refused" in result.output
    assert "Traceback" not in result.output


@pytest.mark.skipif(own_database.on_postgresql(), reason="SQLite's single write lock")
def test_a_write_while_another_holds_sqlite_s_lock_is_told_to_retry(tmp_path):
    """The default install (SQLite) has one writer at a time; a write that waits past the busy timeout (5 s)
    is answered 503 "busy, try again" with nothing saved — not a server error."""
    with own_database.own_app(tmp_path) as app:
        with app.app_context():
            listing = make_achievement(make_org(OrgKind.UNIVERSITY), status=ListingStatus.PENDING)
            operator = make_operator()
            db.session.commit()
            listing_id = listing.id
            client = app.test_client(user=db.session.get(User, operator.id))
        holder = sqlite3.connect(tmp_path / "own.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
        try:
            page = client.post(f"/review/achievement/{listing_id}", data={"decision": "approve"})
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert page.status_code == 503
        assert "平台正忙于处理另一项更改，因此没有保存任何内容。" in page.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(Achievement, listing_id).status is ListingStatus.PENDING
