"""The 榜单 filters by every public status, as Challenge.phase computes it (found by schemathesis: a status
other than upcoming/open/reviewing/failed was a KeyError, a 500 on the page and the API)."""
from __future__ import annotations

from tests.factories import make_user
from tests.tt_platform.challenges.helpers import published
from tt_platform.challenges.models import ChallengeState, Phase
from tt_platform.database import utcnow

LATER = {Phase.AWARDED: ChallengeState.SELECTED, Phase.IMPLEMENTING: ChallengeState.IMPLEMENTING,
         Phase.ACCEPTED: ChallengeState.ACCEPTED, Phase.FAILED: ChallengeState.FAILED}


def test_every_status_filters_the_board_on_the_page_and_in_the_api(client, db):
    challenges = {}
    for phase, state in LATER.items():
        challenge = published(make_user(), now=utcnow(), title=f"榜 {phase.value} 储能电池管理")
        challenge.state = state
        challenges[phase] = challenge
    db.session.commit()
    for phase in Phase:
        assert client.get(f"/challenges/?status={phase.value}").status_code == 200
        response = client.get(f"/api/v1/challenges?status={phase.value}")
        assert response.status_code == 200
        ids = {item["id"] for item in response.get_json()["items"]}
        if phase in challenges:
            assert ids == {challenges[phase].id}, phase
            assert challenges[phase].phase(utcnow()) is phase
