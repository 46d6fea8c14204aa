"""The demo challenges: one in every state, built through the services, and removed with the demo."""
from __future__ import annotations

import sqlalchemy as sa

from tt_platform.challenges import delivery, services
from tt_platform.challenges.models import Application, Challenge, ChallengeState, MilestoneStatus, Phase, Score
from tt_platform.database import china_today, utcnow
from tt_platform.demo import loader
from tt_platform.demo.challenges import load_challenges


def test_demo_challenges_cover_every_state_and_go_away_with_the_demo(db):
    orgs, users = loader._organisations_and_users()
    assert load_challenges(orgs, users, china_today()) == 6
    challenges = {c.title: c for c in db.session.scalars(sa.select(Challenge))}
    phases = {c.phase(utcnow()) for c in challenges.values()}
    assert {Phase.OPEN, Phase.REVIEWING, Phase.AWARDED, Phase.IMPLEMENTING, Phase.FAILED} <= phases
    assert any(c.state is ChallengeState.PENDING for c in challenges.values())
    running = challenges["工业视觉缺陷检测大模型"]
    team = delivery.selected(running)[0]
    assert [m.status for m in team.milestones] == [MilestoneStatus.ACCEPTED, MilestoneStatus.SUBMITTED,
                                                   MilestoneStatus.PENDING]
    assert team.milestones[0].paid_fen == team.milestones[0].amount_fen
    reviewing = challenges["高精度谐波减速器寿命提升关键技术"]
    assert len(services.panel(reviewing)) == 4 and len(services.ranking(reviewing)) == 2
    assert all(c.is_demo for c in challenges.values())
    loader.remove()
    for model in (Challenge, Application, Score):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0
