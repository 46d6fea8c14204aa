"""专家评审: the roster, panels, conflicts (found by the system and declared), scores in range, nobody
reads the others' scores before submitting their own, the ranking."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import CLOSES, NOW, make_expert, published, submitted
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import services
from tt_platform.challenges.models import Score
from tt_platform.security import NotAllowed

AFTER = CLOSES + dt.timedelta(hours=1)


@pytest.fixture
def world(db):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer)
    operator = make_operator()
    uni, inst = make_user(make_org(OrgKind.UNIVERSITY)), make_user(make_org(OrgKind.INSTITUTE))
    a, b = submitted(uni, challenge), submitted(inst, challenge)
    for application in (a, b):
        services.formal_check(operator, application, True, None)
    experts = [make_expert() for _ in range(3)]
    colleague_of_uni = make_expert(uni.organisation)
    for expert in [*experts, colleague_of_uni]:
        services.add_to_panel(operator, challenge, expert.id)
    return {"issuer": issuer, "challenge": challenge, "operator": operator, "a": a, "b": b, "experts": experts,
            "colleague": colleague_of_uni, "uni": uni}


def test_the_roster_and_the_panel_rules(world, db):
    operator, challenge = world["operator"], world["challenge"]
    outsider = make_user(make_org(OrgKind.UNIVERSITY), email="prof@example.cn")
    with pytest.raises(services.ChallengeError):
        services.add_to_panel(operator, challenge, outsider.id)  # not on the roster
    with pytest.raises(services.ChallengeError):
        services.save_expert_profile(operator, "nobody@example.cn", "教授", "某大学", ["T06"])
    with pytest.raises(services.ChallengeError):
        services.save_expert_profile(operator, "prof@example.cn", "教授", "某大学", ["T99"])
    services.save_expert_profile(operator, "PROF@example.cn", "教授", "某大学", ["T06", "T01"])
    services.add_to_panel(operator, challenge, outsider.id)
    with pytest.raises(services.ChallengeError):
        services.add_to_panel(operator, challenge, outsider.id)  # twice
    insider = make_expert(world["issuer"].organisation)
    with pytest.raises(services.ChallengeError, match="发榜|issuing"):
        services.add_to_panel(operator, challenge, insider.id)
    with pytest.raises(NotAllowed):
        services.add_to_panel(world["issuer"], challenge, outsider.id)


def test_experts_declare_after_the_window_and_before_reading(world):
    expert, a = world["experts"][0], world["a"]
    assert not services.can_view_application(expert, a)
    with pytest.raises(services.ChallengeError):
        services.declare(expert, world["challenge"], [], None, now=NOW)  # applications still open
    services.declare(expert, world["challenge"], [], None, now=AFTER)
    assert services.can_view_application(expert, a)
    with pytest.raises(services.ChallengeError):
        services.declare(expert, world["challenge"], [], None, now=AFTER)  # once


def test_conflicts_block_the_expert_from_that_application(world):
    challenge, a, b = world["challenge"], world["a"], world["b"]
    colleague = world["colleague"]
    services.declare(colleague, challenge, [], None, now=AFTER)
    member = services.panel_member(colleague, challenge)
    assert services.conflict(colleague, member, a) is not None  # same organisation: found by the system
    assert not services.expert_may_read(colleague, a) and services.expert_may_read(colleague, b)
    with pytest.raises(services.ChallengeError):
        services.submit_score(colleague, a, [8, 8, 8], "同单位", now=AFTER)
    declaring = world["experts"][1]
    with pytest.raises(services.ChallengeError):
        services.declare(declaring, challenge, [make_org().id], None, now=AFTER)  # not an applicant
    services.declare(declaring, challenge, [b.organisation_id], "近三年合作项目", now=AFTER)
    assert not services.can_view_application(declaring, b)
    with pytest.raises(services.ChallengeError):
        services.submit_score(declaring, b, [8, 8, 8], "合作过", now=AFTER)


@pytest.mark.parametrize("points", [[11, 5, 5], [-1, 5, 5], [5, 5], [5, 5, 5, 5], [5, 5.5, 5], [5, True, 5]])
def test_scores_out_of_range_are_refused(world, db, points):
    expert = world["experts"][0]
    services.declare(expert, world["challenge"], [], None, now=AFTER)
    with pytest.raises(services.ChallengeError):
        services.submit_score(expert, world["a"], points, "评语", now=AFTER)
    assert db.session.scalar(db.select(db.func.count(Score.id))) == 0


def test_scoring_rules(world):
    expert, a = world["experts"][0], world["a"]
    with pytest.raises(services.ChallengeError):
        services.submit_score(expert, a, [8, 8, 8], "未声明", now=AFTER)
    services.declare(expert, world["challenge"], [], None, now=AFTER)
    with pytest.raises(services.ChallengeError):
        services.submit_score(expert, a, [8, 8, 8], "   ", now=AFTER)
    with pytest.raises(services.ChallengeError):
        services.submit_score(expert, a, [8, 8, 8], "太早", now=CLOSES - dt.timedelta(seconds=1))
    services.submit_score(expert, a, [8, 8, 8], "方案可行", now=AFTER)
    with pytest.raises(services.ChallengeError):
        services.submit_score(expert, a, [9, 9, 9], "再评一次", now=AFTER)
    with pytest.raises(NotAllowed):
        services.submit_score(world["uni"], world["b"], [9, 9, 9], "不是专家", now=AFTER)


def test_an_expert_reads_the_others_scores_only_after_submitting(world):
    first, second = world["experts"][:2]
    for expert in (first, second):
        services.declare(expert, world["challenge"], [], None, now=AFTER)
    services.submit_score(first, world["a"], [8, 7, 9], "好", now=AFTER)
    with pytest.raises(NotAllowed):
        services.visible_scores(second, world["a"])
    services.submit_score(second, world["a"], [6, 6, 6], "一般", now=AFTER)
    assert [s.comment for s in services.visible_scores(second, world["a"])] == ["好", "一般"]
    assert len(services.visible_scores(world["operator"], world["a"])) == 2


def test_the_ranking_weights_and_orders(world):
    experts = world["experts"]
    for expert in experts:
        services.declare(expert, world["challenge"], [], None, now=AFTER)
    for expert, (pa, pb) in zip(experts, [([10, 10, 10], [5, 5, 5]), ([8, 8, 8], [6, 6, 6]), ([9, 9, 9], [7, 7, 7])],
                                strict=True):
        services.submit_score(expert, world["a"], pa, "评语", now=AFTER)
        services.submit_score(expert, world["b"], pb, "评语", now=AFTER)
    ranked = services.ranking(world["challenge"])
    assert [(app.id, str(r.shown), r.rank) for app, r in ranked] == [(world["a"].id, "90.00", 1),
                                                                     (world["b"].id, "60.00", 2)]
    assert services.may_see_ranking(world["issuer"], world["challenge"])
    assert not services.may_see_ranking(experts[0], world["challenge"])
