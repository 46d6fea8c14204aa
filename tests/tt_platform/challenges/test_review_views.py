"""专家评审 pages: the operator's roster and panel, the expert's declaration and score form, the ranking,
and who may open each of them."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import live_window, make_expert, published, submitted
from tt_platform.accounts.models import OrgKind
from tt_platform.alerts.models import Notification
from tt_platform.challenges import services
from tt_platform.challenges.models import ExpertProfile, PanelMember, Score
from tt_platform.database import utcnow


@pytest.fixture
def world(db):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **live_window())
    operator = make_operator()
    uni, inst = make_user(make_org(OrgKind.UNIVERSITY)), make_user(make_org(OrgKind.INSTITUTE))
    a, b = submitted(uni, challenge, now=None), submitted(inst, challenge, now=None)
    for application in (a, b):
        services.formal_check(operator, application, True, None)
    challenge.closes_at = utcnow() - dt.timedelta(hours=1)  # the window has closed: the review is on
    people = {"issuer": issuer, "operator": operator, "uni": uni, "first": make_expert(), "second": make_expert(),
              "conflicted": make_expert(uni.organisation), "outsider": make_user(make_org(OrgKind.UNIVERSITY))}
    for key in ("first", "second", "conflicted"):
        services.add_to_panel(operator, challenge, people[key].id)
    db.session.commit()
    return people, challenge, a, b


def test_the_operator_keeps_the_roster_and_builds_the_panel(db, login, outbox_mail):
    operator, prof = make_operator(), make_user(make_org(OrgKind.UNIVERSITY), email="expert@example.cn")
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **live_window())
    db.session.commit()
    client = login(operator)
    refused = client.post("/challenges/experts", data={"email": "expert@example.cn", "title": "教授",
                                                       "affiliation": "某大学"}, follow_redirects=True)
    assert "技术领域" in refused.text and db.session.scalar(db.select(db.func.count(ExpertProfile.id))) == 0
    client.post("/challenges/experts", data={"email": "expert@example.cn", "title": "教授", "affiliation": "某大学",
                                             "fields": ["T06"]})
    assert "expert@example.cn" in client.get("/challenges/experts").text
    client.post(f"/challenges/{challenge.id}/panel", data={"op": "add", "user_id": str(prof.id)})
    member = db.session.scalar(db.select(PanelMember))
    assert member.user_id == prof.id and prof.name in client.get(f"/challenges/{challenge.id}/panel").text
    # the expert hears of it at once, in the app and by mail, with the challenge's title
    told = db.session.scalars(db.select(Notification.message).where(Notification.user_id == prof.id)).all()
    assert len(told) == 1 and "评审专家组" in told[0] and challenge.title in told[0]
    assert [m for m in outbox_mail if "expert@example.cn" in str(m)], outbox_mail
    client.post(f"/challenges/{challenge.id}/panel", data={"op": "remove", "member_id": str(member.id)})
    assert db.session.scalar(db.select(db.func.count(PanelMember.id))) == 0


def test_declare_score_and_read_the_others(world, login):
    people, challenge, a, b = world
    first = login(people["first"])
    page = first.get(f"/challenges/{challenge.id}/expert").text
    assert "利益冲突" in page and a.organisation.name in page
    assert first.get(f"/challenges/applications/{a.id}").status_code == 404  # not before declaring
    first.post(f"/challenges/{challenge.id}/declare", data={"collaborations": [str(b.organisation_id)]})
    page = first.get(f"/challenges/{challenge.id}/expert").text
    assert "近期合作" in page  # b is excluded by the declaration
    assert first.get(f"/challenges/applications/{b.id}/score").status_code == 404
    bad = first.post(f"/challenges/applications/{a.id}/score",
                     data={"points-0": "11", "points-1": "5", "points-2": "5", "comment": "好"})
    assert bad.status_code == 422 and "0 至 10" in bad.text
    ok = first.post(f"/challenges/applications/{a.id}/score",
                    data={"points-0": "9", "points-1": "8", "points-2": "7", "comment": "方案扎实"})
    assert ok.status_code == 302
    second = login(people["second"])
    second.post(f"/challenges/{challenge.id}/declare", data={})
    before = second.get(f"/challenges/applications/{a.id}/score").text
    assert "方案扎实" not in before
    second.post(f"/challenges/applications/{a.id}/score",
                data={"points-0": "6", "points-1": "6", "points-2": "6", "comment": "一般"})
    after = second.get(f"/challenges/applications/{a.id}/score").text
    assert "方案扎实" in after and "一般" in after
    conflicted = login(people["conflicted"])
    conflicted.post(f"/challenges/{challenge.id}/declare", data={})
    assert "与申报单位同属一个单位" in conflicted.get(f"/challenges/{challenge.id}/expert").text
    assert conflicted.get(f"/challenges/applications/{a.id}/score").status_code == 200  # own organisation's file…
    refused = conflicted.post(f"/challenges/applications/{a.id}/score",
                              data={"points-0": "10", "points-1": "10", "points-2": "10", "comment": "自评"})
    assert refused.status_code == 422  # …but never scored by them
    ranking = login(people["issuer"]).get(f"/challenges/{challenge.id}/ranking").text
    assert "去掉一个最高分和一个最低分" in ranking and a.organisation.name in ranking
    assert {s.expert_id for s in services.visible_scores(people["operator"], a)} == {people["first"].id,
                                                                                     people["second"].id}


@pytest.mark.parametrize(("who", "path", "status"), [
    ("outsider", "/challenges/experts", 403), ("issuer", "/challenges/experts", 403),
    ("outsider", "/challenges/{c}/panel", 403), ("issuer", "/challenges/{c}/panel", 403),
    ("outsider", "/challenges/{c}/expert", 403), ("issuer", "/challenges/{c}/expert", 403),
    ("outsider", "/challenges/{c}/ranking", 403), ("first", "/challenges/{c}/ranking", 403),
    ("uni", "/challenges/{c}/ranking", 403), ("issuer", "/challenges/{c}/ranking", 200),
    ("operator", "/challenges/{c}/ranking", 200),
    ("outsider", "/challenges/applications/{a}/score", 404), ("issuer", "/challenges/applications/{a}/score", 403),
    ("uni", "/challenges/applications/{a}/score", 403), ("first", "/challenges/applications/{a}/score", 404),
    ("outsider", "/challenges/reviews", 200),
])
def test_who_opens_the_review_pages(world, login, who, path, status):
    people, challenge, a, _b = world
    assert login(people[who]).get(path.format(c=challenge.id, a=a.id)).status_code == status


def test_scores_are_not_written_twice(world, login, db):
    people, challenge, a, _b = world
    client = login(people["first"])
    client.post(f"/challenges/{challenge.id}/declare", data={})
    data = {"points-0": "9", "points-1": "8", "points-2": "7", "comment": "方案扎实"}
    client.post(f"/challenges/applications/{a.id}/score", data=data)
    assert client.post(f"/challenges/applications/{a.id}/score", data=data).status_code in (200, 422)
    assert db.session.scalar(db.select(db.func.count(Score.id))) == 1
