"""Every trading route, for every kind of visitor, with existing and missing ids and with junk input:
never a server error, and a refused POST writes nothing."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_operator, make_org, make_user
from tests.tt_platform.trading.helpers import confidential_result
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry
from tt_platform.database import db, utcnow
from tt_platform.trading import auctions, confidential, notices, pricelistings
from tt_platform.trading.models import Bid, NoticeObjection

JUNK = [
    {},
    {"detail": "x" * 30_000, "access_mode": "none", "nda_text": "", "nda_sha256": "0" * 64, "text": "",
     "price_wan": "1e309", "working_days": "-3", "notice_days": "NaN", "subtype_code": "'; drop table",
     "buyer_credit_code": "<script>", "decision": "maybe", "note": "", "payment_mode": "∞", "contact": "x" * 400,
     "withdraw": "1", "file": (io.BytesIO(b"\x00" * 10), "../../etc/passwd"), "amount_wan": "1e309",
     "reference": "x" * 200, "start_price_wan": "NaN", "increment_wan": "-1", "starts_at": "tomorrow",
     "ends_at": "9999-99-99T99:99", "extension_minutes": "1e9"},
    {"price_wan": "-0.001", "working_days": "99999999999999999999", "notice_days": "1e3", "text": "\x00" * 20,
     "amount_wan": "abc", "reference": "\x00", "starts_at": "2026-12-07T10:00", "ends_at": "2026-12-07T09:00"},
]


@pytest.fixture
def world(db, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    result, holder, part = confidential_result(mode="approval")
    buyer = make_user(make_org(OrgKind.ENTERPRISE))
    grant = confidential.accept(buyer, part, part.current_version.sha256, "127.0.0.1")
    notice = notices.post(holder, result, notices.NoticeData(
        buyer_credit_code=buyer.organisation.credit_code, price_fen=1_000_000, subtype_code="TRF-01",
        notice_days=15, contact="王老师 0571-88880000"))
    objection = notices.object_to(make_user(make_org()), notice, "一条用于测试的异议内容。")
    pricelistings.post(holder, result, pricelistings.ListingData(
        price_fen=1_000_000, subtype_code="LIC-01", exclusive=True, payment_mode="lump_sum", working_days=10,
        contact="李老师 010-66668888"))
    attachment = confidential.add_attachment(holder, part, "a.pdf", b"%PDF-1.4", tmp_path / "confidential")
    now = utcnow()
    auction = auctions.create(holder, make_achievement(holder.organisation), auctions.AuctionData(
        start_price_fen=1_000_000, increment_fen=100_000, reserve_fen=None, reserve_shown=False, deposit_fen=0,
        subtype_code="TRF-01", payment_mode="lump_sum", starts_at=now, ends_at=now + dt.timedelta(hours=1),
        extension_minutes=5, contact="李老师 010-66668888"))
    registration = auctions.register(buyer, auction)
    users = {"stranger": make_user(make_org()), "holder": holder, "buyer": buyer, "operator": make_operator()}
    db.session.commit()
    ids = {"kind": "result", "listing_id": result.id, "part_id": part.id, "grant_id": grant.id,
           "attachment_id": attachment.id, "notice_id": notice.id, "objection_id": objection.id,
           "result_id": result.id, "deal_id": notice.id, "route": "notices", "action": "approve",
           "auction_id": auction.id, "registration_id": registration.id}
    return ids, users


def _urls(app, ids: dict, missing: bool):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("trading."):
            continue
        values = {}
        for arg in rule.arguments:
            value = ids[arg]
            values[arg] = 987_654 if missing and isinstance(value, int) else value
        path = rule.rule
        for arg, value in values.items():
            path = re.sub(r"<(?:[^:<>]+:)?" + arg + r">|<any\([^)]*\):" + arg + ">", str(value), path)
        yield rule, path


def test_no_route_answers_with_a_server_error(app, world, login, client):
    ids, users = world
    clients = {"anonymous": client, **{name: login(user) for name, user in users.items()}}
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    for missing in (False, True):
        for rule, path in _urls(app, ids, missing):
            for role, visitor in clients.items():
                if "GET" in rule.methods:
                    response = visitor.get(path)
                    assert response.status_code < 500, (role, path)
                    response.close()
                if "POST" in rule.methods and rule.endpoint not in ("trading.decide",):
                    for data in JUNK:
                        data = {k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
                                for k, v in data.items()}
                        response = visitor.post(path, data=data, content_type="multipart/form-data")
                        assert response.status_code < 500, (role, path, sorted(data))
    # junk text was never stored: NUL characters are refused before PostgreSQL would fail on them
    written = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id).offset(before)).all()
    assert "objection" not in written and "answered" not in written and "resolved" not in written
    assert all("\x00" not in o.text for o in db.session.scalars(sa.select(NoticeObjection)))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0  # no junk bid went in
