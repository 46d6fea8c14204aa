"""Two operators approving one listing at the same moment (issue 21): exactly one approval is recorded,
the other operator is told, on the page and in their language, that someone else has just changed it.

Real requests on a database of their own with real commits, the two forced to overlap: both have read the
listing as pending and passed every check before either writes. PostgreSQL only (its row locks decide the
race; SQLite runs one writer at a time, so the two requests cannot overlap there).
"""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_achievement, make_operator, make_org
from tests.own_database import overlapping, own_app, postgresql_only, run_at_once
from tt_platform.accounts.models import OrgKind, User
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry
from tt_platform.database import db
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus

pytestmark = postgresql_only


def test_two_simultaneous_approvals_of_one_listing_make_one_decision(tmp_path, monkeypatch):
    with own_app(tmp_path) as app:
        with app.app_context():
            listing = make_achievement(make_org(OrgKind.UNIVERSITY), status=ListingStatus.PENDING)
            operators = [make_operator(), make_operator()]
            db.session.commit()
            listing_id = listing.id
            clients = [app.test_client(user=db.session.get(User, op.id)) for op in operators]
        overlapping(monkeypatch, listings, "_claim_status")
        pages = run_at_once(*[lambda c=c: c.post(f"/review/achievement/{listing_id}", data={"decision": "approve"},
                                                 follow_redirects=True) for c in clients])
        assert [p.status_code for p in pages] == [200, 200]
        bodies = [p.get_data(as_text=True) for p in pages]
        won = [b for b in bodies if "已记录审核结果" in b]
        lost = [b for b in bodies if "他人刚刚更改了此条目" in b]
        assert len(won) == 1 and len(lost) == 1, bodies
        with app.app_context():
            assert db.session.get(Achievement, listing_id).status is ListingStatus.PUBLISHED
            approvals = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
                AuditEntry.entity_type == "achievement", AuditEntry.entity_id == listing_id,
                AuditEntry.action == "approved"))
            assert approvals == 1


def test_an_owner_closing_a_listing_while_an_operator_returns_it(tmp_path, monkeypatch):
    """Two different decisions at once (the owner withdraws, the operator returns it): one stands, the
    trail holds exactly that one, never both with the second one's "from" wrong."""
    from tests.factories import make_user

    with own_app(tmp_path) as app:
        with app.app_context():
            org = make_org(OrgKind.UNIVERSITY)
            listing = make_achievement(org, status=ListingStatus.PENDING)
            owner, operator = make_user(org), make_operator()
            db.session.commit()
            listing_id = listing.id
            owner_client = app.test_client(user=db.session.get(User, owner.id))
            operator_client = app.test_client(user=db.session.get(User, operator.id))
        overlapping(monkeypatch, listings, "_claim_status")
        pages = run_at_once(
            lambda: owner_client.post(f"/results/{listing_id}/status", data={"status": "closed"},
                                      follow_redirects=True),
            lambda: operator_client.post(f"/review/achievement/{listing_id}",
                                         data={"decision": "return", "reason": "请补充团队信息"},
                                         follow_redirects=True))
        assert all(p.status_code == 200 for p in pages)
        assert sum("他人刚刚更改了此条目" in p.get_data(as_text=True) for p in pages) == 1
        with app.app_context():
            final = db.session.get(Achievement, listing_id).status
            assert final in (ListingStatus.CLOSED, ListingStatus.RETURNED)
            moves = db.session.execute(sa.select(AuditEntry.from_status, AuditEntry.to_status).where(
                AuditEntry.entity_type == "achievement", AuditEntry.entity_id == listing_id,
                AuditEntry.action.in_(("status", "returned")))).all()
            assert moves == [("pending", final.value)]

