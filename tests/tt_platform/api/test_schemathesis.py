"""schemathesis over /api/v1/openapi.json (issue 21): every documented operation, driven through the WSGI app
with a bounded number of generated requests, anonymous and with a personal API token. No response is a
5xx, and every response is one the document describes (status code, content type, body schema, headers).

Bounded so it stays in `make test` (under a minute here): EXAMPLES requests per operation and caller, no
shrinking beyond what Hypothesis does by default, the database rolled back after each operation."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import make_achievement, make_demand, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.api import tokens

#: generated requests per operation and caller; a deeper search:
#: `TT_SCHEMATHESIS_EXAMPLES=200 .venv/bin/python -m pytest tests/tt_platform/api/test_schemathesis.py`
EXAMPLES = int(os.environ.get("TT_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


@pytest.fixture
def token(db):
    """A token of a member of an enterprise with a demand and of a university with a result nearby, so
    that small generated ids (1, 2…) sometimes name something."""
    org = make_org(OrgKind.ENTERPRISE)
    make_demand(org)
    make_achievement(make_org(OrgKind.UNIVERSITY))
    _token, secret = tokens.issue(make_user(org), "schemathesis")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def run_every_operation(app, headers: dict) -> list[str]:
    """Each documented operation with EXAMPLES generated requests; the failures, one line each."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @SETTINGS
        def call(case):
            case.call_and_validate(checks=CHECKS, headers=headers)

        try:
            call()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - schemathesis's FailureGroup included: each
            # operation's failures are collected, then reported together
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    documented = sum(len(ops) for ops in app.test_client().get("/api/v1/openapi.json").get_json()["paths"].values())
    assert operations == documented - 1 > 30  # all but the document itself (schemathesis leaves it out)
    return failures


def test_anonymous_callers_get_no_5xx_and_only_documented_answers(app, db, index):
    assert run_every_operation(app, {}) == []


def test_token_callers_get_no_5xx_and_only_documented_answers(app, db, index, token):
    assert run_every_operation(app, token) == []
