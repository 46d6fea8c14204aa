"""揭榜申报 pages: apply from the challenge page, fill in the form, submit, the formal check."""
from __future__ import annotations

from tests.factories import make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import live_window, published
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges.models import Application, ApplicationStatus


def form(**kw) -> dict:
    data = {"plan": "基于视觉大模型的缺陷检测方案，含样本采集、训练与产线部署。", "budget_wan": "280",
            "team-0-name": "赵博士", "team-0-role": "负责人", "team-0-title": "副教授",
            "schedule-0-plan": "完成小样", "schedule-1-plan": "完成中试", "schedule-2-plan": "完成验收",
            "action": "submit"}
    data.update(kw)
    return data


def test_apply_fill_in_submit_and_check(db, login):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **live_window())
    applicant, operator = make_user(make_org(OrgKind.UNIVERSITY)), make_operator()
    db.session.commit()
    client = login(applicant)
    assert "揭榜" in client.get(f"/challenges/{challenge.id}").text
    response = client.post(f"/challenges/{challenge.id}/apply")
    application = db.session.scalar(db.select(Application))
    assert response.headers["Location"].endswith(f"/challenges/applications/{application.id}/edit")
    page = client.get(f"/challenges/applications/{application.id}/edit")
    assert page.status_code == 200 and "schedule-2-plan" in page.text
    refused = client.post(f"/challenges/applications/{application.id}/edit", data=form(**{"schedule-2-plan": ""}))
    assert refused.status_code == 422 and "里程碑" in refused.text
    assert application.status is ApplicationStatus.DRAFT
    assert client.post(f"/challenges/applications/{application.id}/edit", data=form()).status_code == 302
    assert application.status is ApplicationStatus.SUBMITTED and application.budget_fen == 280_000_000
    again = client.post(f"/challenges/{challenge.id}/apply", follow_redirects=True)
    assert "已有" in again.text and db.session.scalar(db.select(db.func.count(Application.id))) == 1
    checker = login(operator)
    assert "形式审查" in checker.get(f"/challenges/applications/{application.id}").text
    checker.post(f"/challenges/applications/{application.id}/check", data={"decision": "return"})
    assert application.status is ApplicationStatus.SUBMITTED  # a return needs a reason
    checker.post(f"/challenges/applications/{application.id}/check", data={"decision": "complete"})
    assert application.status is ApplicationStatus.COMPLETE


def test_the_issuer_and_unverified_organisations_are_told_why_they_cannot_apply(db, login):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **live_window())
    newcomer = make_user(make_org(OrgKind.UNIVERSITY, verified=False))
    db.session.commit()
    assert "不能" in login(issuer).get(f"/challenges/{challenge.id}").text
    page = login(newcomer).get(f"/challenges/{challenge.id}").text
    assert "认证" in page
    assert login(newcomer).post(f"/challenges/{challenge.id}/apply").status_code == 302
    assert db.session.scalar(db.select(db.func.count(Application.id))) == 0
