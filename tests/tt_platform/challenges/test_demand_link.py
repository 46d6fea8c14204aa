"""A demand's page leads to its challenge, or offers its owner to publish one; the statistics dashboard
links the challenge statistics."""
from __future__ import annotations

from tests.factories import make_demand, make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import challenge_data, published
from tt_platform.challenges import services


def test_the_demand_page_and_its_challenge(db, login):
    issuer = make_user(make_org(), admin=True)
    demand = make_demand(issuer.organisation, is_challenge=True)
    other = make_user(make_org())
    db.session.commit()
    assert "make-challenge" in login(issuer).get(f"/demands/{demand.id}").text
    assert "make-challenge" not in login(other).get(f"/demands/{demand.id}").text
    draft = services.create(issuer, challenge_data(demand_id=demand.id))
    db.session.commit()
    assert "demand-challenge" not in login(other).get(f"/demands/{demand.id}").text  # a draft is not shown
    assert draft.title in login(issuer).get(f"/demands/{demand.id}").text
    shown = published(issuer, demand_id=demand.id, title="公开的揭榜项目")
    db.session.commit()
    page = login(other).get(f"/demands/{demand.id}").text
    assert "公开的揭榜项目" in page and f"/challenges/{shown.id}" in page


def test_the_statistics_dashboard_links_the_challenge_statistics(db, login):
    operator = make_operator()
    db.session.commit()
    assert "/challenges/statistics" in login(operator).get("/stats/").text
