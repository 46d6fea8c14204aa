"""A second application with CSRF protection on (the shared test configuration turns it off), on the
same migrated test database, each test rolled back like the `db` fixture does for the main app."""
from __future__ import annotations

import pytest
from flask_login import FlaskLoginClient

from tests.conftest import TEST_CONFIG, rolled_back
from tt_platform import create_app


@pytest.fixture(scope="session")
def csrf_app(app, db_url, tmp_path_factory):
    """`app` first: it runs the migrations on the database both applications use."""
    other = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True, "DATABASE_URL": db_url,
                        "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("csrf-index")),
                        "SEARCH_VECTOR_DIR": str(tmp_path_factory.mktemp("csrf-vectors"))})
    other.test_client_class = FlaskLoginClient
    return other


@pytest.fixture
def csrf_db(csrf_app):
    with rolled_back(csrf_app) as database:
        yield database
