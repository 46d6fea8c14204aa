"""Two simultaneous moves of one case (issue 21): exactly one is made, the other person is told on the
page, in their language, where the case is now. Real requests with real commits, forced to overlap (both
have read the case's stage and passed the checks before either writes); PostgreSQL only, whose row locks
decide the race (SQLite runs one writer at a time)."""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_achievement, make_broker, make_demand, make_org, make_user
from tests.own_database import overlapping, own_app, postgresql_only, run_at_once
from tt_platform.accounts.models import OrgKind, User
from tt_platform.audit.models import AuditEntry
from tt_platform.brokerage import services
from tt_platform.brokerage.models import Case, Stage
from tt_platform.database import db

pytestmark = postgresql_only


def test_two_simultaneous_stage_moves_of_one_case(tmp_path, monkeypatch):
    with own_app(tmp_path) as app:
        with app.app_context():
            agency = make_org(OrgKind.AGENCY)
            broker, admin = make_broker(agency), make_user(agency, admin=True)
            case = services.open_case(broker, "并发对接", [make_demand()], [make_achievement()])
            db.session.commit()
            case_id = case.id
            broker_client = app.test_client(user=db.session.get(User, broker.id))
            admin_client = app.test_client(user=db.session.get(User, admin.id))
        overlapping(monkeypatch, services, "_claim_stage")
        pages = run_at_once(
            lambda: broker_client.post(f"/cases/{case_id}/stage", data={"stage": "contact"}, follow_redirects=True),
            lambda: admin_client.post(f"/cases/{case_id}/stage", data={"stage": "terminated", "reason": "price"},
                                      follow_redirects=True))
        assert [p.status_code for p in pages] == [200, 200]
        bodies = [p.get_data(as_text=True) for p in pages]
        assert sum("阶段：" in b for b in bodies) == 1, bodies
        lost = [b for b in bodies if "他人刚刚移动了此对接" in b]
        assert len(lost) == 1
        with app.app_context():
            final = db.session.get(Case, case_id)
            assert final.stage in (Stage.CONTACT, Stage.TERMINATED)
            assert f"（当前为“{final.stage.label}”）" in lost[0]  # where the case stands now
            assert (final.termination_reason == "price") is (final.stage is Stage.TERMINATED)
            moves = db.session.execute(sa.select(AuditEntry.from_status, AuditEntry.to_status).where(
                AuditEntry.entity_type == "case", AuditEntry.entity_id == case_id,
                AuditEntry.action == "stage")).all()
            assert moves == [("intent", final.stage.value)]


def test_two_simultaneous_stage_moves_through_the_api(tmp_path, monkeypatch):
    """The same race by API token: the winner gets 200, the other 409 Conflict saying where the case is now."""
    from tt_platform.api import tokens

    with own_app(tmp_path) as app:
        with app.app_context():
            agency = make_org(OrgKind.AGENCY)
            broker, admin = make_broker(agency), make_user(agency, admin=True)
            case = services.open_case(broker, "并发对接", [make_demand()], [make_achievement()])
            secrets = [tokens.issue(user, "race")[1] for user in (broker, admin)]
            db.session.commit()
            case_id = case.id
        clients = [app.test_client(), app.test_client()]
        overlapping(monkeypatch, services, "_claim_stage")
        bodies = ({"stage": "contact"}, {"stage": "terminated", "reason": "price"})
        answers = run_at_once(*(
            lambda client=client, secret=secret, body=body: client.post(
                f"/api/v1/cases/{case_id}/stage", json=body, headers={"Authorization": f"Bearer {secret}"})
            for client, secret, body in zip(clients, secrets, bodies, strict=True)))
        assert sorted(a.status_code for a in answers) == [200, 409]
        lost = next(a.get_json() for a in answers if a.status_code == 409)
        with app.app_context():
            final = db.session.get(Case, case_id)
            where = final.stage.label
            assert lost == {"status": 409, "error": f"他人刚刚移动了此对接（当前为“{where}”），请刷新页面。"}
