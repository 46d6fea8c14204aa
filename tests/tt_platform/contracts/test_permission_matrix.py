"""Role × owner matrix over every contract and registration route."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import contract_data, make_broker, make_operator, make_org, make_registrar, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry
from tt_platform.contracts import services
from tt_platform.database import db

VIEWERS = ["anonymous", "seller", "buyer", "broker", "agency_colleague", "outsider", "other_broker",
           "registrar", "other_registrar", "operator"]
STATES = ["draft", "submitted", "registered"]
RECORDING = {"seller", "broker", "agency_colleague"}
PARTIES = RECORDING | {"buyer"}
#: (method, path suffix, form data, kind)
ROUTES = [
    ("GET", "", None, "view"),
    ("GET", "/edit", None, "edit"),
    ("POST", "/submit", {}, "recording"),
    ("POST", "/change-request", {"text": "补充协议增加服务费"}, "recording"),
    ("POST", "/decide", {"decision": "register"}, "registrar"),
    ("POST", "/cancel", {"note": "当事人解除合同"}, "registrar"),
    ("GET", "/certificate", None, "certificate"),
    ("GET", "/certificate.pdf", None, "certificate"),
]


def expected(viewer: str, state: str, method: str, kind: str) -> int:
    if viewer == "anonymous":
        return 302  # to the login page
    visible = viewer in PARTIES or (state != "draft" and viewer in ("registrar", "other_registrar", "operator"))
    if not visible:
        return 404
    if kind == "view":
        return 200
    if kind == "edit":
        return 200 if viewer in RECORDING and state == "draft" else 403
    if kind == "recording":
        return 302 if viewer in RECORDING else 403
    if kind == "registrar":
        return 302 if viewer == "registrar" else 403
    return 200 if state == "registered" else 404  # certificate


@pytest.fixture
def world(db):
    seller_org = make_org(OrgKind.UNIVERSITY, region_code="330106")
    buyer_org = make_org(region_code="320500")
    agency = make_org(OrgKind.AGENCY)
    broker = make_broker(agency)
    people = {
        "seller": make_user(seller_org), "buyer": make_user(buyer_org), "broker": broker,
        "agency_colleague": make_broker(agency), "outsider": make_user(make_org()), "other_broker": make_broker(),
        "registrar": make_registrar("330100"), "other_registrar": make_registrar("110100"),
        "operator": make_operator(),
    }
    return people, seller_org, buyer_org


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "suffix", "data", "kind"), ROUTES,
                         ids=[f"{m} {s or '/'}" for m, s, _d, _k in ROUTES])
def test_contract_route(world, app, state, viewer, method, suffix, data, kind):
    people, seller_org, buyer_org = world
    contract = services.create(people["broker"], contract_data(seller_org, buyer_org))
    if state != "draft":
        services.submit(people["broker"], contract)
    if state == "registered":
        services.register(people["registrar"], contract)
    db.session.commit()
    audit_before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    client = app.test_client(user=people[viewer]) if viewer != "anonymous" else app.test_client()
    url = f"/contracts/{contract.id}{suffix}"
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == expected(viewer, state, method, kind)
    if method == "POST" and response.status_code in (403, 404):
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == audit_before  # nothing happened
