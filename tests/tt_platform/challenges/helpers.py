"""Shared builders for the challenge tests: a valid challenge's data, published challenges."""
from __future__ import annotations

import dataclasses
import datetime as dt

from tests.factories import make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import services
from tt_platform.challenges.models import ChallengeState, ExpertProfile
from tt_platform.database import db

# The clock of the tests that pass `now` is anchored to the day they run: the services also read the real
# clock (a challenge submitted for review must still have an open window), so fixed calendar dates would
# turn these tests red once the calendar passed them.
_TODAY = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
NOW = _TODAY + dt.timedelta(hours=4)  # 12:00 Beijing time today
OPENS = _TODAY - dt.timedelta(days=6) + dt.timedelta(hours=1)  # 09:00 Beijing time, six days ago
CLOSES = _TODAY + dt.timedelta(days=39, hours=9)  # 17:00 Beijing time, in 39 days


def challenge_data(**kw) -> services.ChallengeData:
    base = dict(
        title="高比能固态电池电解质攻关", goal="研制室温离子电导率高、界面稳定的固态电解质，支撑量产。",
        field_code="T06", region_code="330100", bounty_fen=500 * 1_000_000,  # 500 万元
        opens_at=OPENS, closes_at=CLOSES,
        indicators=(services.Indicator("室温离子电导率", "≥ 1 mS/cm", "第三方检测报告"),
                    services.Indicator("循环寿命", "≥ 1000 次", "样品测试")),
        milestones=(services.MilestoneTemplate("方案与小样", "小样及测试报告", 30, 6),
                    services.MilestoneTemplate("中试", "中试线样品", 40, 12),
                    services.MilestoneTemplate("验收", "验收报告", 30, 18)),
        rubric=(services.Criterion("技术方案", 40, 10), services.Criterion("团队实力", 30, 10),
                services.Criterion("实施计划", 30, 10)),
    )
    base.update(kw)
    return services.ChallengeData(**base)


def published(issuer, *, now=NOW, **kw):
    """A challenge written by `issuer`, approved by a fresh operator."""
    challenge = services.create(issuer, challenge_data(**kw), submit=True)
    services.review(make_operator(), challenge, "approve", None, now=now)
    assert challenge.state is ChallengeState.PUBLISHED
    return challenge


def replace(data: services.ChallengeData, **kw) -> services.ChallengeData:
    return dataclasses.replace(data, **kw)


def application_data(**kw) -> services.ApplicationData:
    base = dict(plan="采用硫化物电解质体系，结合界面包覆工艺，分三阶段完成攻关。",
                team=(services.TeamMember("李教授", "项目负责人", "教授"), services.TeamMember("王工", "工艺负责人")),
                budget_fen=300 * 1_000_000, schedule=("6个月内完成小样", "12个月内完成中试", "18个月内验收"))
    base.update(kw)
    return services.ApplicationData(**base)


def submitted(user, challenge, *, now=NOW, **kw):
    """A submitted application from `user`'s organisation."""
    application = services.start_application(user, challenge, now=now)
    services.update_application(user, application, application_data(**kw), now=now)
    services.submit_application(user, application, now=now)
    return application


def live_window() -> dict:
    """An application window open right now (for tests that go through the pages, which use the clock)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {"opens_at": now - dt.timedelta(days=2), "closes_at": now + dt.timedelta(days=30)}


def make_expert(org=None, **kw):
    """A user with an expert profile (a university professor unless `org` says otherwise)."""
    user = make_user(org or make_org(OrgKind.UNIVERSITY), **kw)
    db.session.add(ExpertProfile(user_id=user.id, fields=["T06"], title="教授", affiliation=user.organisation.name))
    db.session.flush()
    return user


AFTER_CLOSE = CLOSES + dt.timedelta(hours=1)


def reviewed(*, points=((9, 9, 9), (6, 6, 6)), **kw):
    """A closed challenge with two applications that passed the formal check, each scored by three
    experts with `points` (first application, second application). Returns (issuer, challenge, [a, b])."""
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **kw)
    operator = make_operator()
    applications = [submitted(make_user(make_org(kind)), challenge) for kind in (OrgKind.UNIVERSITY,
                                                                                 OrgKind.INSTITUTE)]
    for application in applications:
        services.formal_check(operator, application, True, None)
    for _n in range(3):
        expert = make_expert()
        services.add_to_panel(operator, challenge, expert.id)
        services.declare(expert, challenge, [], None, now=AFTER_CLOSE)
        for application, given in zip(applications, points, strict=True):
            services.submit_score(expert, application, list(given), "评语", now=AFTER_CLOSE)
    return issuer, challenge, applications
