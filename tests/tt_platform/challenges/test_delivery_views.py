"""Selection, notice, task book and acceptance through the pages, with the clock moved by changing dates."""
from __future__ import annotations

import datetime as dt

from tests.factories import make_operator, make_user
from tests.tt_platform.challenges.helpers import reviewed
from tt_platform.challenges.models import ChallengeState, MilestoneStatus, Objection
from tt_platform.contracts.models import Contract
from tt_platform.database import china_today, utcnow


def test_select_object_start_report_accept_pay_and_contract(db, login):
    issuer, challenge, (a, b) = reviewed()
    challenge.closes_at = utcnow() - dt.timedelta(hours=1)  # applications have closed
    operator, someone, outsider = make_operator(), make_user(), make_user()
    team = a.organisation.memberships[0].user
    db.session.commit()
    owner = login(issuer)
    page = owner.get(f"/challenges/{challenge.id}/select")
    assert page.status_code == 200 and a.organisation.name in page.text
    assert login(outsider).post(f"/challenges/{challenge.id}/select", data={"application_ids": [str(a.id)]}
                                ).status_code == 403
    refused = owner.post(f"/challenges/{challenge.id}/select", data={"application_ids": [str(b.id)]},
                         follow_redirects=True)
    assert "理由" in refused.text and challenge.state is ChallengeState.PUBLISHED
    owner.post(f"/challenges/{challenge.id}/select", data={"application_ids": [str(a.id)]})
    assert challenge.state is ChallengeState.SELECTED
    public = login(outsider).get(f"/challenges/{challenge.id}").text
    assert a.organisation.name in public and "公示" in public
    login(someone).post(f"/challenges/{challenge.id}/objections", data={"text": "请核查第一名的检测数据来源。"})
    objection = db.session.scalar(db.select(Objection))
    assert "请核查" not in login(outsider).get(f"/challenges/{challenge.id}").text  # the objector's and operators'
    assert "请核查" in login(operator).get(f"/challenges/{challenge.id}").text
    login(operator).post(f"/challenges/objections/{objection.id}", data={"decision": "dismiss",
                                                                         "resolution": "数据来源已核实。"})
    assert objection.status.value == "dismissed"
    challenge.notice_ends_at = utcnow() - dt.timedelta(minutes=1)  # the notice period has passed
    db.session.commit()
    assert login(team).post(f"/challenges/{challenge.id}/start").status_code == 403
    owner.post(f"/challenges/{challenge.id}/start")
    assert challenge.state is ChallengeState.IMPLEMENTING and len(a.milestones) == 3
    assert login(outsider).get(f"/challenges/{challenge.id}/task-book").status_code == 403
    assert "任务书" in login(team).get(f"/challenges/{challenge.id}/task-book").text
    for milestone in a.milestones:
        login(team).post(f"/challenges/milestones/{milestone.id}/report",
                         data={"report": "按计划完成交付。", "evidence": "检测报告"})
        owner.post(f"/challenges/milestones/{milestone.id}/decide", data={"decision": "accept"})
        assert milestone.status is MilestoneStatus.ACCEPTED
    first = a.milestones[0]
    bad = owner.post(f"/challenges/milestones/{first.id}/payments",
                     data={"amount_wan": "abc", "paid_on": str(china_today()), "reference": "回单"},
                     follow_redirects=True)
    assert "万元" in bad.text and not first.payments
    owner.post(f"/challenges/milestones/{first.id}/payments",
               data={"amount_wan": "150", "paid_on": str(china_today()), "reference": "回单 001"})
    assert first.paid_fen == 150 * 1_000_000
    response = owner.post(f"/challenges/{challenge.id}/accept")
    contract = db.session.scalar(db.select(Contract))
    assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
    assert challenge.state is ChallengeState.ACCEPTED and contract.total_fen == challenge.bounty_fen
    contract_page = owner.get(f"/contracts/{contract.id}").text
    assert 'id="linked-challenge"' in contract_page and challenge.title in contract_page


def test_fail_and_republish_through_the_pages(db, login):
    issuer, challenge, _apps = reviewed()
    challenge.closes_at = utcnow() - dt.timedelta(hours=1)
    db.session.commit()
    owner = login(issuer)
    owner.post(f"/challenges/{challenge.id}/fail", data={"reason": ""})
    assert challenge.state is ChallengeState.PUBLISHED
    owner.post(f"/challenges/{challenge.id}/fail", data={"reason": "无申报达到核心指标"})
    assert challenge.state is ChallengeState.FAILED
    assert "流榜" in owner.get("/challenges/?status=failed").text
    response = owner.post(f"/challenges/{challenge.id}/republish")
    assert "/edit" in response.headers["Location"]
