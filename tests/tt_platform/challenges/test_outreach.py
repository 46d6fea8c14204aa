"""Likely applicants from the matching engine and invitations; reminders as notifications (and e-mail),
each once; the alerts page links them to the challenge."""
from __future__ import annotations

import datetime as dt

from tests.factories import make_achievement, make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import AFTER_CLOSE, CLOSES, live_window, published, reviewed, submitted
from tt_platform.accounts.models import OrgKind
from tt_platform.alerts.models import Notification
from tt_platform.challenges import delivery, outreach, services
from tt_platform.indexing import sync


def notes(db, user) -> list[str]:
    return list(db.session.scalars(db.select(Notification.message).where(Notification.user_id == user.id)))


def test_likely_applicants_are_suggested_with_the_why_and_invited_once(db, index, login, outbox_mail):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, title="固态电池电解质离子电导率提升", **live_window())
    uni = make_org(OrgKind.UNIVERSITY)
    make_achievement(uni, title="硫化物固态电解质及其制备方法", keywords="固态电解质,离子电导率,锂电池",
                     field_code="T06", description="室温离子电导率达到 5 mS/cm 的硫化物电解质")
    make_achievement(issuer.organisation, title="固态电池电解质界面改性", keywords="固态电解质", field_code="T06")
    professor, stranger = make_user(uni), make_user(make_org())
    sync.rebuild()
    db.session.commit()
    found = outreach.suggest(challenge)
    assert [s.organisation.id for s in found] == [uni.id]  # the issuer's own organisation is never suggested
    assert "硫化物固态电解质及其制备方法" in found[0].reasons[0][0] and found[0].reasons[0][1]
    page = login(issuer).get(f"/challenges/{challenge.id}/suggestions")
    assert page.status_code == 200 and uni.name in page.text
    assert login(stranger).get(f"/challenges/{challenge.id}/suggestions").status_code == 403
    assert login(stranger).post(f"/challenges/{challenge.id}/invite",
                                data={"organisation_id": str(uni.id)}).status_code == 403
    login(issuer).post(f"/challenges/{challenge.id}/invite", data={"organisation_id": str(uni.id)})
    assert any("诚邀" in n for n in notes(db, professor))
    assert any(professor.email in m["To"] for m in outbox_mail)
    again = login(issuer).post(f"/challenges/{challenge.id}/invite", data={"organisation_id": str(uni.id)},
                               follow_redirects=True)
    assert "已邀请过" in again.text and len(notes(db, professor)) == 1
    alerts_page = login(professor).get("/alerts/")
    assert alerts_page.status_code == 200 and f"/challenges/{challenge.id}" in alerts_page.text


def test_reminders_are_sent_once(app, db):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer)
    drafting = make_user(make_org(OrgKind.UNIVERSITY))
    services.start_application(drafting, challenge, now=CLOSES - dt.timedelta(days=10))
    with app.test_request_context():
        early = outreach.remind(CLOSES - dt.timedelta(days=5))
        assert early.closing == 0
        soon = outreach.remind(CLOSES - dt.timedelta(days=2))
        assert soon.closing == 1 and any("尚未提交" in n for n in notes(db, drafting))
        assert outreach.remind(CLOSES - dt.timedelta(days=1)).closing == 0  # once


def test_milestone_and_expert_reminders(app, db):
    issuer, challenge, (a, _b) = reviewed()
    idle_expert = make_user(make_org(OrgKind.UNIVERSITY))
    services.save_expert_profile(make_operator(), idle_expert.email, "教授", "某大学", ["T06"])
    services.add_to_panel(make_operator(), challenge, idle_expert.id)
    with app.test_request_context():
        report = outreach.remind(AFTER_CLOSE)
        assert report.experts == 1 and any("等待您评分" in n for n in notes(db, idle_expert))
        delivery.select(issuer, challenge, [a.id], None, now=AFTER_CLOSE)
        delivery.start(issuer, challenge, now=AFTER_CLOSE + delivery.NOTICE)
        first_due = a.milestones[0].due_on
        now = dt.datetime.combine(first_due - dt.timedelta(days=10), dt.time(9), dt.UTC)
        team = a.organisation.memberships[0].user
        assert outreach.remind(now).milestones == 1 and any("到期" in n for n in notes(db, team))
        assert outreach.remind(now).milestones == 0


def test_the_remind_command(app, db):
    issuer = make_user(make_org(), admin=True)
    submitted(make_user(make_org(OrgKind.UNIVERSITY)), published(issuer))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["challenges", "remind"])
    assert result.exit_code == 0, result.output
    assert "window closing" in result.output
