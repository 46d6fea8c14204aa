"""Fixtures: one migrated database per xdist worker; every test runs in a transaction rolled back after it.

SQLite by default; PostgreSQL when TT_TEST_DATABASE_URL points at a server (`make test` starts one).
"""
from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from urllib.parse import urlsplit

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
    "MATCH_RATE_LIMIT_ANONYMOUS": "100000/minute",
    "MATCH_RATE_LIMIT_TOKEN": "100000/minute",
    "MATCH_PAGE_RATE_LIMIT": "100000/minute",
    "MATCH_PAGE_RATE_LIMIT_ANONYMOUS": "100000/minute",
    # Cheap Argon2 parameters: the real cost (0.28 s per hash) would dominate the suite.
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 8,
    "ARGON2_PARALLELISM": 1,
    "DEMO": False,
    # The deterministic hash embedder exercises the dense channel's plumbing; the real model has
    # its own smoke test (tests/search/test_embeddings.py).
    "SEARCH_EMBEDDINGS": "hash",
}


# --- network guard ------------------------------------------------------------------------------
# Tests never reach the network. Every connect, connect_ex and sendto on a Python socket, and every
# name lookup through the socket module (getaddrinfo, gethostbyname[_ex], gethostbyaddr), is checked
# before it happens: loopback (127.0.0.0/8, ::1, ::ffff:127.x, "localhost"), the unspecified address,
# Unix sockets, this machine's own host name and the hosts of TT_TEST_DATABASE_URL / TT_TEST_ES_URL
# (pointing those at a server is an explicit choice) pass; anything else raises NetworkBlocked, so no
# packet and no DNS query leaves. The e2e server, Chromium's loopback requests, the SMTP test server
# and PostgreSQL on 127.0.0.1 are untouched.
#
# Why not pytest-socket: its --allow-hosts mode wraps socket.socket.connect only, comparing host
# strings literally, so name lookups (DNS queries from libc's getaddrinfo) still go out, "localhost"
# and 127.0.0.2 need listing, and ::ffff:127.0.0.1 does not match; these lines need no dependency
# and work per xdist worker like any fixture. Neither can see C code that opens its own sockets
# (libpq, tantivy, Chromium): those connect only where the tests point them (loopback).

class NetworkBlocked(RuntimeError):
    """A test tried to reach a host other than this machine (a RuntimeError, so that libraries which
    retry on OSError do not swallow it)."""


_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""}


def _allowed_names() -> set[str]:
    names = set(_LOCAL_NAMES) | {socket.gethostname().lower()}  # gethostname asks the kernel, not DNS
    for var in ("TT_TEST_DATABASE_URL", "TT_TEST_ES_URL"):
        for url in filter(None, os.environ.get(var, "").split(",")):
            host = urlsplit(url.strip()).hostname
            if host:
                names.add(host.lower())
    return names


def is_local(host, allowed: set[str] | frozenset[str] = frozenset(_LOCAL_NAMES)) -> bool:
    """True for a destination on this machine; a non-local name is False (resolving it is a DNS query)."""
    if host is None:
        return True  # getaddrinfo(None, port): an address to listen on
    if isinstance(host, bytes | bytearray):
        host = bytes(host).decode("ascii", "replace")
    host = str(host).strip().strip("[]").split("%", 1)[0].rstrip(".").lower()
    if host in allowed:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _install_network_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = frozenset(_allowed_names())
    real_socket = {name: getattr(socket.socket, name) for name in ("connect", "connect_ex", "sendto")}
    real_lookup = {name: getattr(socket, name)
                   for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr")}

    def check_address(sock, address, action: str) -> None:
        if (sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address
                and not is_local(address[0], allowed)):
            port = f" port {address[1]}" if len(address) > 1 else ""
            raise NetworkBlocked(f"a test tried to {action} {address[0]!r}{port}: tests must not reach the "
                                 "network (only loopback is allowed)")

    def connect(self, address):
        check_address(self, address, "connect to")
        return real_socket["connect"](self, address)

    def connect_ex(self, address):
        check_address(self, address, "connect to")
        return real_socket["connect_ex"](self, address)

    def sendto(self, data, *flags_and_address):
        check_address(self, flags_and_address[-1] if flags_and_address else None, "send to")
        return real_socket["sendto"](self, data, *flags_and_address)

    def lookup(name):
        def guarded(host, *args, **kwargs):
            if not is_local(host, allowed):
                raise NetworkBlocked(f"a test tried to look up {host!r} ({name}): tests must not reach the "
                                     "network, and a name lookup is a DNS query")
            return real_lookup[name](host, *args, **kwargs)

        guarded.__name__ = name
        return guarded

    for name, fn in (("connect", connect), ("connect_ex", connect_ex), ("sendto", sendto)):
        monkeypatch.setattr(socket.socket, name, fn)
    for name in real_lookup:
        monkeypatch.setattr(socket, name, lookup(name))


@pytest.fixture(scope="session", autouse=True)
def network_guard():
    """Active for the whole session (session fixtures such as `app` included) in every xdist worker."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        _install_network_guard(monkeypatch)
        yield NetworkBlocked


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


@contextlib.contextmanager
def rolled_back(app):
    """Everything inside runs in one outer transaction that is rolled back at the end; the app's commits
    hit SAVEPOINTs (the session factory joins with create_savepoint)."""
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
def db(app):
    """Each test runs inside one outer transaction that is rolled back; app commits hit SAVEPOINTs."""
    with rolled_back(app) as database:
        yield database


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
    from tt_platform.listings import search as services

    if request.param == "database":
        def unavailable():
            raise BackendUnavailable("switched off for this test")

        monkeypatch.setattr(services, "get_backend", unavailable)
        return lambda: None
    return sync.rebuild
