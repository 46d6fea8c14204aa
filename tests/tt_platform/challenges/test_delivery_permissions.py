"""Who may use the selection and task-book routes: a role × route matrix on a challenge in progress.

The issuer's authorised members select, start, decide, pay and accept; the selected team reports; the
task book is for them and operators; everybody else is refused (403), or told nothing exists (404)
where even a milestone's existence is not theirs to know."""
from __future__ import annotations

import pytest

from tests.factories import make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import AFTER_CLOSE, reviewed
from tt_platform.challenges import delivery
from tt_platform.challenges.models import ChallengeState, MilestoneStatus

VIEWERS = ["anonymous", "issuer", "issuer_member", "winner", "runner_up", "outsider", "operator"]
ISSUER_ONLY = {"issuer": 302}
#: (method, path, expected status per viewer; anyone not named gets `default`)
ROUTES = [
    ("GET", "/challenges/{c}/task-book", {"issuer": 200, "winner": 200, "operator": 200}, 403),
    ("POST", "/challenges/milestones/{m}/report", {"winner": 302, "issuer": 403, "operator": 403}, 404),
    ("POST", "/challenges/milestones/{m}/decide", {"issuer": 302, "winner": 403, "operator": 403}, 404),
    ("POST", "/challenges/milestones/{m}/payments", {"issuer": 302, "winner": 403, "operator": 403}, 404),
    ("GET", "/challenges/{c}/select", {"issuer": 200}, 403),
    ("POST", "/challenges/{c}/select", ISSUER_ONLY, 403),
    ("POST", "/challenges/{c}/start", ISSUER_ONLY, 403),
    ("POST", "/challenges/{c}/fail", ISSUER_ONLY, 403),
    ("POST", "/challenges/{c}/stage-gate", ISSUER_ONLY, 403),
    ("POST", "/challenges/{c}/accept", ISSUER_ONLY, 403),
    ("GET", "/challenges/{c}/ranking", {"issuer": 200, "operator": 200}, 403),
    ("GET", "/challenges/{c}/defence", {"issuer": 200, "operator": 200}, 403),
]


@pytest.fixture
def world(db):
    issuer, challenge, (a, b) = reviewed()
    delivery.select(issuer, challenge, [a.id], None, now=AFTER_CLOSE)
    delivery.start(issuer, challenge, now=AFTER_CLOSE + delivery.NOTICE)
    people = {"issuer": issuer, "issuer_member": make_user(issuer.organisation),
              "winner": a.organisation.memberships[0].user, "runner_up": b.organisation.memberships[0].user,
              "outsider": make_user(make_org()), "operator": make_operator()}
    db.session.commit()
    return people, challenge, a.milestones[0]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "path", "allowed", "default"), ROUTES, ids=[f"{m} {p}" for m, p, _a, _d in ROUTES])
def test_delivery_route(world, app, viewer, method, path, allowed, default):
    people, challenge, milestone = world
    client = app.test_client(user=people[viewer]) if viewer != "anonymous" else app.test_client()
    url = path.format(c=challenge.id, m=milestone.id)
    response = client.get(url) if method == "GET" else client.post(url, data={})
    expected = 302 if viewer == "anonymous" else allowed.get(viewer, default)
    assert response.status_code == expected
    if viewer not in ("issuer", "winner"):
        assert challenge.state is ChallengeState.IMPLEMENTING and milestone.status is MilestoneStatus.PENDING
        assert milestone.payments == []
