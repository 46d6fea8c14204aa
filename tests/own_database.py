"""An app on a database of its own, with real commits: for tests whose threads must see each other's
writes (concurrency, faults), which the rolled-back `db` fixture cannot give.

PostgreSQL (a fresh database on the TT_TEST_DATABASE_URL server, dropped afterwards) when that is set,
otherwise a SQLite file under the test's temporary directory.
"""
from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_login import FlaskLoginClient

from tests.conftest import TEST_CONFIG
from tt_platform import create_app
from tt_platform.database import db


def on_postgresql() -> bool:
    return bool(os.environ.get("TT_TEST_DATABASE_URL"))


#: for tests whose race only PostgreSQL's row locks can decide (SQLite serialises every writer)
postgresql_only = pytest.mark.skipif(not on_postgresql(), reason="needs PostgreSQL (TT_TEST_DATABASE_URL): "
                                     "SQLite has one writer at a time, so these requests cannot overlap there")


@contextmanager
def own_app(tmp_path: Path, **config) -> Iterator:
    """A migrated app on its own database; the database is dropped (PostgreSQL) when the block ends."""
    base = os.environ.get("TT_TEST_DATABASE_URL")
    name = f"tt_own_{uuid.uuid4().hex[:8]}"
    admin = None
    if base:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'own.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "SEARCH_VECTOR_DIR": str(tmp_path / "vectors"), "UPLOAD_DIR": str(tmp_path / "uploads"),
                      **config})
    app.test_client_class = FlaskLoginClient  # app.test_client(user=...) as in the shared fixtures
    from flask_migrate import upgrade

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
        # Alembic's logging setup replaced the root logger's handlers (pytest's caplog among them)
        root.handlers[:], root.level = handlers, level
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def overlapping(monkeypatch, module, name: str, parties: int = 2) -> threading.Barrier:
    """Make `module.name` (the real function, still called) wait until `parties` threads reached it."""
    barrier = threading.Barrier(parties)
    real = getattr(module, name)

    def together(*args, **kwargs):
        barrier.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, together)
    return barrier


def run_at_once(*requests):
    """Run each zero-argument callable in its own thread; their results, in order."""
    results: list = [None] * len(requests)

    def run(n, request):
        results[n] = request()

    threads = [threading.Thread(target=run, args=(n, r)) for n, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results
