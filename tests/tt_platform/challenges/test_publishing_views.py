"""发榜 pages: the form (rows, Beijing times, exact money), the 榜单 filters, review, who sees what."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_demand, make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import challenge_data, live_window, published
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import services
from tt_platform.challenges.models import Challenge, ChallengeState
from tt_platform.database import china_today

ROUTES = ["/challenges/", "/challenges/mine", "/challenges/new", "/challenges/review"]


def form_data(**kw) -> dict:
    opens = china_today() + dt.timedelta(days=1)
    data = {
        "title": "工业视觉缺陷检测揭榜", "goal": "对金属表面微小缺陷实现在线检测，漏检率低于千分之一。",
        "field_code": "T01", "region_code": "330100", "bounty_wan": "120.5",
        "opens_on": opens.isoformat(), "opens_time": "09:00",
        "closes_on": (opens + dt.timedelta(days=30)).isoformat(), "closes_time": "17:30",
        "eligible_kinds": ["university", "institute"], "verified_only": "y", "selection_mode": "race",
        "race_teams": "3",
        "indicators-0-name": "漏检率", "indicators-0-target": "≤ 0.1%", "indicators-0-verification": "现场测试",
        "milestones-0-title": "样机", "milestones-0-deliverable": "样机与测试报告", "milestones-0-share": "30",
        "milestones-0-months": "6",
        "milestones-1-title": "产线验证", "milestones-1-deliverable": "产线运行报告", "milestones-1-share": "70",
        "milestones-1-months": "12",
        "rubric-0-name": "技术方案", "rubric-0-weight": "60", "rubric-0-max_score": "10",
        "rubric-1-name": "团队", "rubric-1-weight": "40", "rubric-1-max_score": "10",
        "action": "submit",
    }
    data.update(kw)
    return data


def test_publishing_through_the_form(db, login):
    issuer = make_user(make_org(), admin=True)
    client = login(issuer)
    page = client.get("/challenges/new")
    assert page.status_code == 200 and "indicators-2-name" in page.text
    response = client.post("/challenges/new", data=form_data())
    assert response.status_code == 302, response.text
    challenge = db.session.scalar(db.select(Challenge))
    assert challenge.state is ChallengeState.PENDING
    assert challenge.bounty_fen == 120_500_000  # 120.5 万元, exact
    assert challenge.opens_at.hour == 1 and challenge.closes_at.hour == 9  # 09:00 and 17:30 Beijing → UTC
    assert challenge.closes_at.minute == 30 and challenge.race_teams == 3
    assert [m["share"] for m in challenge.milestones] == [30, 70]
    assert challenge.eligible_kinds == ["university", "institute"]


@pytest.mark.parametrize(("change", "words"), [
    ({"milestones-1-share": "60"}, "90%"),
    ({"rubric-1-weight": "30"}, "90"),
    ({"bounty_wan": "0"}, "大于零"),
    ({"bounty_wan": "-5"}, "0"),
    ({"bounty_wan": "abc"}, "万元"),
    ({"bounty_wan": "NaN"}, "万元"),
    ({"bounty_wan": "Infinity"}, "万元"),
    ({"milestones-1-share": ""}, "比例"),
])
def test_bad_form_input_is_refused_with_a_message_and_nothing_written(db, login, change, words):
    client = login(make_user(make_org(), admin=True))
    db.session.commit()  # a refused change rolls the request back, not the fixtures
    response = client.post("/challenges/new", data=form_data(**change))
    assert response.status_code == 422
    assert words in response.text
    assert db.session.scalar(db.select(db.func.count(Challenge.id))) == 0


def test_a_challenge_made_from_a_demand_is_prefilled(db, login):
    issuer = make_user(make_org(), admin=True)
    demand = make_demand(issuer.organisation, title="锂电池隔膜国产化", field_code="T06")
    page = login(issuer).get(f"/challenges/new?demand_id={demand.id}")
    assert page.status_code == 200 and "锂电池隔膜国产化" in page.text
    assert login(make_user(make_org(), admin=True)).get(f"/challenges/new?demand_id={demand.id}").status_code == 404


def test_board_detail_and_review_pages(db, login, client):
    issuer = make_user(make_org(), admin=True)
    shown = published(issuer, title="公开的榜单项目", **live_window())
    draft = services.create(issuer, challenge_data(title="尚未提交的草稿"))
    pending = services.create(issuer, challenge_data(title="等待审核的榜"), submit=True)
    operator_user = make_operator()
    db.session.commit()
    board = client.get("/challenges/?field=T06&status=open")
    assert "公开的榜单项目" in board.text and "草稿" not in board.text
    assert "500.00 万元" in client.get(f"/challenges/{shown.id}").text
    assert client.get(f"/challenges/{draft.id}").status_code == 404
    assert login(make_user(make_org())).get(f"/challenges/{draft.id}").status_code == 404
    assert login(make_user(issuer.organisation)).get(f"/challenges/{draft.id}").status_code == 200
    mine = login(issuer).get("/challenges/mine").text
    assert "尚未提交的草稿" in mine and "等待审核的榜" in mine
    operator = login(operator_user)
    assert "等待审核的榜" in operator.get("/challenges/review").text
    assert operator.post(f"/challenges/{pending.id}/review", data={"decision": "return"}).status_code == 302
    assert pending.state is ChallengeState.PENDING  # no reason: refused, nothing changed
    operator.post(f"/challenges/{pending.id}/review", data={"decision": "approve"})
    assert db.session.get(Challenge, pending.id).state is ChallengeState.PUBLISHED


@pytest.mark.parametrize("url", ROUTES)
def test_anonymous_visitors_see_the_board_only(client, url):
    response = client.get(url)
    assert response.status_code == (200 if url == "/challenges/" else 302)


def test_who_may_use_the_issuer_and_operator_routes(db, login):
    issuer = make_user(make_org(), admin=True)
    challenge = services.create(issuer, challenge_data())
    university_user, colleague_user = make_user(make_org(OrgKind.UNIVERSITY)), make_user(issuer.organisation)
    db.session.commit()
    university = login(university_user)
    assert university.get("/challenges/new").status_code == 403
    assert university.get("/challenges/review").status_code == 403
    assert university.post(f"/challenges/{challenge.id}/review", data={"decision": "approve"}).status_code == 403
    colleague = login(colleague_user)
    assert colleague.get(f"/challenges/{challenge.id}/edit").status_code == 403
    assert colleague.post(f"/challenges/{challenge.id}/submit").status_code == 403
    assert challenge.state is ChallengeState.DRAFT
    owner = login(issuer)
    assert owner.get(f"/challenges/{challenge.id}/edit").status_code == 200
    assert owner.post(f"/challenges/{challenge.id}/submit").status_code == 302
    assert challenge.state is ChallengeState.PENDING


