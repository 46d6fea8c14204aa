"""Match pages are throttled like the match API (issue 21): logged-in users per account, visitors per
address, each with its own budget (TT_MATCH_PAGE_RATE_LIMIT*); above it a 429 page in the user's language
that says, in words and in Retry-After, when to come back. The API's budget is a different one."""
from __future__ import annotations

import re

import pytest

from tests.factories import make_demand, make_user
from tt_platform.extensions import limiter


@pytest.fixture
def limits(app):
    """Low limits for this test only (the suite's are out of reach), fresh counters before and after."""
    keys = ("MATCH_PAGE_RATE_LIMIT", "MATCH_PAGE_RATE_LIMIT_ANONYMOUS", "MATCH_RATE_LIMIT_TOKEN")
    saved = {k: app.config[k] for k in keys}
    app.config.update(MATCH_PAGE_RATE_LIMIT="4/minute", MATCH_PAGE_RATE_LIMIT_ANONYMOUS="2/minute",
                      MATCH_RATE_LIMIT_TOKEN="100/minute")
    limiter.reset()
    yield
    limiter.reset()
    app.config.update(saved)


def test_the_defaults_are_generous_and_follow_the_api(app):
    from tt_platform.config import DEFAULTS

    assert DEFAULTS["MATCH_PAGE_RATE_LIMIT"] == DEFAULTS["MATCH_RATE_LIMIT_TOKEN"] == "60/minute;1000/hour"
    assert DEFAULTS["MATCH_PAGE_RATE_LIMIT_ANONYMOUS"] == "30/minute;300/hour"


@pytest.mark.ratelimit
def test_a_user_gets_a_429_page_in_their_language_with_retry_after(app, db, index, limits):
    demand, other = make_demand(), make_demand()
    user, english_speaker = make_user(), make_user()
    english_speaker.locale = "en"
    db.session.commit()
    client = app.test_client(user=user)
    # both directions and every listing share one budget; a page that is not yours (404) counts as well
    paths = [f"/matches/demand/{demand.id}", f"/matches/demand/{other.id}", f"/matches/demand/{demand.id}",
             f"/matches/demand/{other.id}", f"/matches/demand/{demand.id}"]
    codes = [client.get(p).status_code for p in paths]
    assert codes == [200, 200, 200, 200, 429]
    refused = client.get(f"/matches/demand/{other.id}")
    assert refused.status_code == 429 and refused.mimetype == "text/html"
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 61
    page = refused.get_data(as_text=True)
    assert f"{wait} 秒后重试" in page and "<html" in page
    # another account has its own budget, in its own language; the match API is not spent by the pages
    english = app.test_client(user=english_speaker)
    assert [english.get(paths[0]).status_code for _ in range(4)] == [200] * 4
    page = english.get(paths[0]).get_data(as_text=True)
    assert re.search(r"try again in \d+ seconds", page), page[:500]
    assert client.get(f"/api/v1/match/demand/{demand.id}").status_code == 200


@pytest.mark.ratelimit
def test_visitors_are_counted_per_address(app, db, index, limits):
    demand = make_demand()
    db.session.commit()
    client = app.test_client()
    here, there = {"REMOTE_ADDR": "198.51.100.17"}, {"REMOTE_ADDR": "198.51.100.18"}
    path = f"/matches/demand/{demand.id}"
    assert [client.get(path, environ_base=here).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(path, environ_base=there).status_code == 200
