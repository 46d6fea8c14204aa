"""Fixtures: one migrated database per xdist worker; every test runs in a transaction rolled back after it.

SQLite by default; PostgreSQL when TT_TEST_DATABASE_URL points at a server (`make test` starts one).
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_login import FlaskLoginClient

from tt_platform import create_app
from tt_platform.database import db as _db

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "WTF_CSRF_ENABLED": False,
    "MAIL_BACKEND": "memory",
    # The limiter stays on (so its wiring is tested) with a limit no test reaches, except the
    # rate-limit test, which lowers it.
    "LOGIN_RATE_LIMIT": "100000/minute",
    # Cheap Argon2 parameters: the real cost (0.28 s per hash) would dominate the suite.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "ARGON2_PARALLELISM": 1,
    "DEMO": False,
    # The deterministic hash embedder exercises the dense channel's plumbing; the real model has
    # its own smoke test (tests/search/test_embeddings.py).
    "SEARCH_EMBEDDINGS": "hash",
}


def database_url(tmp_path_factory, worker_id: str) -> str:
    base = os.environ.get("TT_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    name = f"tt_test_{worker_id}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory, worker_id):
    return database_url(tmp_path_factory, worker_id)


@pytest.fixture(scope="session")
def app(db_url, tmp_path_factory):
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "DATABASE_URL": db_url,
                      "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("index")),
                      "SEARCH_VECTOR_DIR": str(tmp_path_factory.mktemp("vectors"))})
    app.test_client_class = FlaskLoginClient
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)  # the schema comes from the migrations
    _db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    return app


@pytest.fixture
def db(app):
    """Each test runs inside one outer transaction that is rolled back; app commits hit SAVEPOINTs."""
    with app.app_context():
        engine = _db.engines[None]
        conn = _db.engines[None] = engine.connect()
        outer = conn.begin()
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.engines[None] = engine
            outer.rollback()
            conn.close()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login(app, db):
    """login(user) → a test client whose requests run as that user."""
    return lambda user: app.test_client(user=user)


@pytest.fixture
def outbox_mail(app):
    box = app.extensions.setdefault("tt_mail_outbox", [])
    box.clear()
    return box


@pytest.fixture
def index(app, db):
    """The app's embedded index, emptied for this test (the database is rolled back after each test,
    the index is not, so every test that reads it starts from nothing)."""
    from tt_platform.indexing.engine import get_backend, get_vectors

    backend = get_backend()
    backend.clear()
    vectors = get_vectors()
    if vectors is not None:
        vectors.store.remove(list(vectors.store.hashes))
    return backend


@pytest.fixture(params=["engine", "database"])
def browse_mode(request, index, monkeypatch):
    """Run a list-page test twice: served by the search engine, and by the database fallback that
    takes over when the engine is unavailable. Returns a `sync()` to call after creating rows."""
    from search.backends.base import BackendUnavailable
    from tt_platform.indexing import sync
    from tt_platform.matching import services

    if request.param == "database":
        def unavailable():
            raise BackendUnavailable("switched off for this test")

        monkeypatch.setattr(services, "get_backend", unavailable)
        return lambda: None
    return sync.rebuild
