"""After the review: 择优 / 赛马 selection with a justification off the ranking, 流榜 and re-publishing,
公示 with objections, task books with milestones and exact bounty shares, reports, acceptance, payments,
验收 and the contract it drafts."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_operator, make_user
from tests.tt_platform.challenges.helpers import AFTER_CLOSE, CLOSES, reviewed
from tt_platform.challenges import delivery, services
from tt_platform.challenges.models import ChallengeState, MilestoneStatus, ObjectionStatus, SelectionMode
from tt_platform.contracts.models import ContractStatus
from tt_platform.database import china_today
from tt_platform.security import NotAllowed

AFTER_NOTICE = AFTER_CLOSE + delivery.NOTICE + dt.timedelta(minutes=1)
M = services.MilestoneTemplate


def test_selecting_the_top_of_the_ranking_and_the_notice_period(db):
    issuer, challenge, (a, b) = reviewed()
    with pytest.raises(services.ChallengeError):
        delivery.select(issuer, challenge, [a.id], None, now=CLOSES - dt.timedelta(minutes=1))
    with pytest.raises(services.ChallengeError):
        delivery.select(issuer, challenge, [a.id, b.id], None, now=AFTER_CLOSE)  # 择优: exactly one
    with pytest.raises(NotAllowed):
        delivery.select(make_user(issuer.organisation), challenge, [a.id], None, now=AFTER_CLOSE)
    delivery.select(issuer, challenge, [a.id], None, now=AFTER_CLOSE)
    assert challenge.state is ChallengeState.SELECTED and a.selected and not b.selected
    assert challenge.notice_ends_at == AFTER_CLOSE + dt.timedelta(days=7)
    assert delivery.on_notice(challenge, AFTER_CLOSE + dt.timedelta(days=6))


def test_choosing_other_than_the_top_needs_a_justification(db):
    issuer, challenge, (a, b) = reviewed()
    with pytest.raises(services.ChallengeError):
        delivery.select(issuer, challenge, [b.id], "太短", now=AFTER_CLOSE)
    delivery.select(issuer, challenge, [b.id], "第二名的中试条件更成熟，产业化把握更大。", now=AFTER_CLOSE)
    assert b.selected and challenge.selection_justification.startswith("第二名")


def test_no_winner_ends_as_failed_and_can_be_republished(db):
    issuer, challenge, _apps = reviewed()
    with pytest.raises(services.ChallengeError):
        delivery.fail(issuer, challenge, "", now=AFTER_CLOSE)
    delivery.fail(issuer, challenge, "申报方案均未达到核心指标", now=AFTER_CLOSE)
    assert challenge.state is ChallengeState.FAILED and challenge.phase(AFTER_CLOSE).value == "failed"
    copy = delivery.republish(issuer, challenge)
    assert copy.state is ChallengeState.DRAFT and copy.title == challenge.title and copy.id != challenge.id
    assert copy.bounty_fen == challenge.bounty_fen and copy.milestones == challenge.milestones


def test_objections_during_the_notice_and_an_upheld_one_sets_the_selection_aside(db):
    issuer, challenge, (a, _b) = reviewed()
    delivery.select(issuer, challenge, [a.id], None, now=AFTER_CLOSE)
    someone, operator = make_user(), make_operator()
    with pytest.raises(services.ChallengeError):
        delivery.lodge_objection(someone, challenge, "短", now=AFTER_CLOSE)
    with pytest.raises(services.ChallengeError):
        delivery.lodge_objection(someone, challenge, "第一名团队的论文数据存疑，请核查。", now=AFTER_NOTICE)
    objection = delivery.lodge_objection(someone, challenge, "第一名团队的论文数据存疑，请核查。", now=AFTER_CLOSE)
    with pytest.raises(services.ChallengeError):
        delivery.start(issuer, challenge, now=AFTER_NOTICE)  # an objection is open
    with pytest.raises(NotAllowed):
        delivery.resolve_objection(issuer, objection, True, "自己裁决")
    delivery.resolve_objection(operator, objection, True, "经核查异议成立，请重新遴选。")
    assert objection.status is ObjectionStatus.UPHELD
    assert challenge.state is ChallengeState.PUBLISHED and not a.selected


def test_the_task_book_splits_the_bounty_exactly_and_runs_to_the_contract(db):
    issuer, challenge, (a, _b) = reviewed(bounty_fen=1_000_001)  # 1,000,001 fen: 30/40/30 is not exact
    delivery.select(issuer, challenge, [a.id], None, now=AFTER_CLOSE)
    with pytest.raises(services.ChallengeError):
        delivery.start(issuer, challenge, now=AFTER_CLOSE)  # still on notice
    delivery.start(issuer, challenge, now=AFTER_NOTICE)
    assert challenge.state is ChallengeState.IMPLEMENTING
    amounts = [m.amount_fen for m in a.milestones]
    assert amounts == [300_000, 400_000, 300_001] and sum(amounts) == challenge.bounty_fen
    assert [m.share for m in a.milestones] == [30, 40, 30]
    assert a.milestones[0].due_on == delivery.add_months(challenge.started_on, 6)
    team = a.organisation.memberships[0].user
    first = a.milestones[0]
    with pytest.raises(NotAllowed):
        delivery.report(issuer, first, "进展说明十个字以上。", "检测报告")
    delivery.report(team, first, "完成小样制备与性能测试。", "第三方检测报告 No.123")
    with pytest.raises(services.ChallengeError):
        delivery.decide(issuer, first, False, "")
    delivery.decide(issuer, first, False, "电导率未达标")
    assert first.status is MilestoneStatus.REJECTED
    with pytest.raises(services.ChallengeError):
        delivery.record_payment(issuer, first, 100, china_today(), "付款1")  # not accepted
    delivery.report(team, first, "改进工艺后复测达标。", "复测报告 No.124")
    delivery.decide(issuer, first, True, None)
    with pytest.raises(services.ChallengeError):
        delivery.record_payment(issuer, first, 300_001, china_today(), "付款1")  # more than it releases
    with pytest.raises(services.ChallengeError):
        delivery.record_payment(issuer, first, 0, china_today(), "付款1")
    with pytest.raises(services.ChallengeError):
        delivery.record_payment(issuer, first, 100, china_today() + dt.timedelta(days=1), "付款1")
    delivery.record_payment(issuer, first, 300_000, china_today(), "银行回单 8801")
    assert first.paid_fen == 300_000
    with pytest.raises(services.ChallengeError):
        delivery.accept(issuer, challenge)  # two milestones open
    for milestone in a.milestones[1:]:
        delivery.report(team, milestone, "按计划完成交付。", "交付清单")
        delivery.decide(issuer, milestone, True, None)
    contract = delivery.accept(issuer, challenge)
    assert challenge.state is ChallengeState.ACCEPTED and challenge.contract_id == contract.id
    assert contract.status is ContractStatus.DRAFT and contract.subtype_code == "DEV-01"
    assert contract.buyer_org_id == issuer.organisation.id and contract.seller_org_id == a.organisation_id
    assert contract.total_fen == challenge.bounty_fen and len(contract.items) == 3


def test_race_mode_funds_teams_in_parallel_then_a_stage_gate(db):
    issuer, challenge, (a, b) = reviewed(selection_mode=SelectionMode.RACE, race_teams=2)
    with pytest.raises(services.ChallengeError):
        delivery.select(issuer, challenge, [a.id, b.id, 999], None, now=AFTER_CLOSE)
    delivery.select(issuer, challenge, [a.id, b.id], None, now=AFTER_CLOSE)
    delivery.start(issuer, challenge, now=AFTER_NOTICE)
    first_share = challenge.bounty_fen * 30 // 100
    assert [len(a.milestones), len(b.milestones)] == [1, 1]
    assert a.milestones[0].amount_fen + b.milestones[0].amount_fen == first_share
    with pytest.raises(services.ChallengeError):
        delivery.stage_gate(issuer, challenge, b.id)  # first stages not accepted yet
    for team in (a, b):
        member = team.organisation.memberships[0].user
        delivery.report(member, team.milestones[0], "第一阶段样品完成。", "样品测试报告")
        delivery.decide(issuer, team.milestones[0], True, None)
    with pytest.raises(services.ChallengeError):
        delivery.accept(issuer, challenge)  # the stage gate comes first
    delivery.stage_gate(issuer, challenge, b.id)
    assert b.continues and not a.continues and len(b.milestones) == 3
    assert sum(m.amount_fen for m in b.milestones[1:]) == challenge.bounty_fen - first_share
    with pytest.raises(services.ChallengeError):
        delivery.stage_gate(issuer, challenge, a.id)


def test_money_splits_are_exact():
    assert delivery.split(100, [30, 40, 30]) == [30, 40, 30]
    assert sum(delivery.split(999_999_999, [33, 33, 34])) == 999_999_999
    assert delivery._equal(10, 3) == [4, 3, 3]
    assert delivery.add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
