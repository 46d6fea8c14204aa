"""Match calls are throttled (issue 21): anonymous callers per address, token callers per token; the 429
says, in the user's language and in Retry-After, when to try again."""
from __future__ import annotations

import pytest

from tests.factories import make_demand, make_user
from tt_platform.api import tokens
from tt_platform.extensions import limiter

DEMAND = {"title": "锂电池储能管理", "description": "电池管理系统与储能变流器"}


@pytest.fixture
def limits(app):
    """Low limits for this test only (the suite's are out of reach), fresh counters before and after."""
    saved = {k: app.config[k] for k in ("MATCH_RATE_LIMIT_ANONYMOUS", "MATCH_RATE_LIMIT_TOKEN")}
    app.config.update(MATCH_RATE_LIMIT_ANONYMOUS="3/minute", MATCH_RATE_LIMIT_TOKEN="5/minute")
    limiter.reset()
    yield
    limiter.reset()
    app.config.update(saved)


def bearer(db, user) -> dict:
    _token, secret = tokens.issue(user, "script")
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.ratelimit
def test_anonymous_match_calls_are_limited_per_address_with_a_retry_after(app, db, index, limits):
    client = app.test_client()
    here, there = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "198.51.100.8"}
    codes = [client.post("/api/v1/match/results", json=DEMAND, environ_base=here).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.post("/api/v1/match/results", json=DEMAND, environ_base=here)
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 61
    body = refused.get_json()
    assert body["status"] == 429 and f"{wait} 秒后重试" in body["error"]  # when, in the default language
    # the stored-listing call shares the budget; another address has its own
    demand = make_demand()
    db.session.commit()
    assert client.get(f"/api/v1/match/demand/{demand.id}", environ_base=here).status_code == 429
    assert client.post("/api/v1/match/results", json=DEMAND, environ_base=there).status_code == 200


@pytest.mark.ratelimit
def test_token_match_calls_are_limited_per_token_not_per_address(app, db, index, limits):
    english_speaker = make_user()
    english_speaker.locale = "en"  # the message follows the token owner's language
    first, second = bearer(db, english_speaker), bearer(db, make_user())
    client = app.test_client()
    addresses = [{"REMOTE_ADDR": f"203.0.113.{i}"} for i in range(7)]
    codes = [client.post("/api/v1/match/results", json=DEMAND, headers=first, environ_base=a).status_code
             for a in addresses]
    assert codes == [200] * 5 + [429, 429]  # changing address does not help a token
    english = client.post("/api/v1/match/results", json=DEMAND, headers=first)
    assert english.status_code == 429 and "seconds" in english.get_json()["error"]
    assert int(english.headers["Retry-After"]) >= 1
    # a second token (another script) and an anonymous caller at the same address are not held back
    assert client.post("/api/v1/match/results", json=DEMAND, headers=second,
                       environ_base=addresses[0]).status_code == 200
    assert client.post("/api/v1/match/results", json=DEMAND, environ_base=addresses[0]).status_code == 200


def test_the_suite_limits_leave_match_calls_alone(app, client, db, index):
    """Without the fixture the configured limits are far out of reach (tests/conftest.py)."""
    assert all(client.post("/api/v1/match/results", json=DEMAND).status_code == 200 for _ in range(12))


def test_the_openapi_document_describes_the_429(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for op in (paths["/match/results"]["post"], paths["/match/{kind}/{listing_id}"]["get"]):
        assert "Retry-After" in op["responses"]["429"]["headers"]
    assert paths["/match/{kind}/{listing_id}"]["get"]["parameters"][1]["schema"]["maximum"] == 2**31 - 1
