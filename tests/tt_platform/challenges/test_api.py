"""The challenge endpoints of /api/v1: the 榜单 and a challenge (public), own applications, own scores and
the task books' milestones, each with the same visibility as the pages."""
from __future__ import annotations

from tests.factories import make_user
from tests.tt_platform.challenges.helpers import AFTER_CLOSE, reviewed
from tt_platform.challenges import delivery
from tt_platform.challenges.models import Score


def test_the_challenge_endpoints(db, login, client):
    issuer, challenge, (a, b) = reviewed()
    expert = db.session.scalar(db.select(Score).where(Score.application_id == a.id)).expert
    delivery.select(issuer, challenge, [a.id], None, now=AFTER_CLOSE)
    delivery.start(issuer, challenge, now=AFTER_CLOSE + delivery.NOTICE)
    team = a.organisation.memberships[0].user
    outsider = make_user()
    db.session.commit()
    board = client.get("/api/v1/challenges?field=T06").get_json()["items"]
    assert [c["id"] for c in board] == [challenge.id] and board[0]["bounty_fen"] == challenge.bounty_fen
    assert board[0]["status"] == "implementing"
    assert client.get("/api/v1/challenges?min_bounty_wan=x").status_code == 400
    assert client.get(f"/api/v1/challenges/{challenge.id}").get_json()["title"] == challenge.title
    own = login(team).get("/api/v1/challenges/applications").get_json()["items"]
    assert [x["id"] for x in own] == [a.id] and own[0]["selected"] is True
    assert login(outsider).get("/api/v1/challenges/applications").get_json()["items"] == []
    assert login(outsider).get(f"/api/v1/challenges/applications/{a.id}").status_code == 404
    assert login(issuer).get(f"/api/v1/challenges/applications/{b.id}").status_code == 200
    milestones = login(team).get(f"/api/v1/challenges/{challenge.id}/milestones").get_json()["items"]
    assert sum(m["amount_fen"] for m in milestones) == challenge.bounty_fen
    assert login(outsider).get(f"/api/v1/challenges/{challenge.id}/milestones").status_code == 403
    assert client.get("/api/v1/challenges/scores").status_code == 401
    mine = login(expert).get("/api/v1/challenges/scores").get_json()["items"]
    assert {x["application_id"] for x in mine} == {a.id, b.id} and all(len(x["points"]) == 3 for x in mine)
