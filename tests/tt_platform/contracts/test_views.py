"""Contract pages through HTTP: the form, the registrar's desk, the certificate (HTML and PDF)."""
from __future__ import annotations

import pytest

from tests.factories import contract_data, make_broker, make_org, make_registrar, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts import services
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import db


def form_body(seller, buyer, **overrides):
    body = {
        "name": "锂电池隔膜涂覆专利转让合同", "subtype_code": "TRF-01", "field_code": "T06",
        "payment_mode": "instalments",
        "signed_on": "2026-03-01", "seller_org_id": str(seller.id), "buyer_org_id": str(buyer.id),
        "items-0-description": "专利权转让费", "items-0-amount_yuan": "500000.00", "items-0-is_technical": "y",
        "items-1-description": "中试设备", "items-1-amount_yuan": "12,345.67",
    }
    body.update(overrides)
    return body


@pytest.fixture
def world(db):
    seller = make_org(OrgKind.UNIVERSITY, region_code="330106")
    buyer = make_org(OrgKind.ENTERPRISE, region_code="320500")
    return {"seller": seller, "buyer": buyer, "seller_user": make_user(seller), "registrar": make_registrar(),
            "broker": make_broker()}


def test_broker_records_a_contract_and_totals_are_computed(world, login):
    response = login(world["broker"]).post("/contracts/new", data=form_body(world["seller"], world["buyer"]))
    assert response.status_code == 302
    contract = db.session.scalars(db.select(Contract).order_by(Contract.id.desc())).first()
    assert (contract.total_fen, contract.tech_fen) == (51_234_567, 50_000_000)
    assert contract.seller_name == world["seller"].name and contract.seller_party_type == "P2"
    page = login(world["broker"]).get(response.headers["Location"]).get_data(as_text=True)
    assert "51.23 万元" in page and "50.00 万元" in page


@pytest.mark.parametrize(("field", "value"), [("items-0-amount_yuan", "abc"), ("items-0-amount_yuan", "1.234"),
                                              ("items-1-description", ""), ("subtype_code", "XXX")])
def test_bad_input_is_refused_with_a_message_and_nothing_saved(world, login, field, value):
    before = db.session.scalar(db.select(db.func.count(Contract.id)))
    response = login(world["broker"]).post("/contracts/new",
                                           data=form_body(world["seller"], world["buyer"], **{field: value}))
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Contract.id))) == before


def test_pages_of_a_contract_are_hidden_from_outsiders(world, login):
    contract = services.create(world["broker"], contract_data(world["seller"], world["buyer"]))
    db.session.commit()
    outsider = login(make_user(make_org()))
    for url in (f"/contracts/{contract.id}", f"/contracts/{contract.id}/edit"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/contracts/{contract.id}/submit").status_code == 404
    assert contract.id not in [c.id for c in db.session.scalars(
        db.select(Contract).where(services.visible_filter(make_user(make_org()))))]


def test_submit_register_and_certificate(world, login):
    contract = services.create(world["seller_user"], contract_data(world["seller"], world["buyer"]))
    db.session.commit()
    seller = login(world["seller_user"])
    assert seller.post(f"/contracts/{contract.id}/submit").status_code == 302
    assert contract.status is ContractStatus.SUBMITTED
    # the seller cannot decide; the registrar of the office can
    assert seller.post(f"/contracts/{contract.id}/decide", data={"decision": "register"}).status_code == 403
    registrar = login(world["registrar"])
    assert contract.name in registrar.get("/contracts/registry").get_data(as_text=True)
    registrar.post(f"/contracts/{contract.id}/decide", data={"decision": "register"})
    db.session.refresh(contract)
    assert contract.status is ContractStatus.REGISTERED and len(contract.registration_number) == 16
    page = seller.get(f"/contracts/{contract.id}/certificate").get_data(as_text=True)
    assert contract.registration_number in page and "512,345.67 元" in page and "500,000.00 元" in page
    pdf = seller.get(f"/contracts/{contract.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF") and pdf.mimetype == "application/pdf"


def test_return_shows_the_reason_to_the_seller(world, login):
    contract = services.create(world["seller_user"], contract_data(world["seller"], world["buyer"]))
    services.submit(world["seller_user"], contract)
    db.session.commit()
    login(world["registrar"]).post(f"/contracts/{contract.id}/decide",
                                   data={"decision": "return", "reason": "other", "note": "请补充签章页扫描件"})
    page = login(world["seller_user"]).get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "请补充签章页扫描件" in page and contract.status is ContractStatus.RETURNED


def test_certificate_needs_a_registration(world, login):
    contract = services.create(world["seller_user"], contract_data(world["seller"], world["buyer"]))
    db.session.commit()
    assert login(world["seller_user"]).get(f"/contracts/{contract.id}/certificate").status_code == 404


def test_registry_is_for_registrars_only(world, login):
    assert login(world["seller_user"]).get("/contracts/registry").status_code == 403


def test_contract_links_its_case_for_those_who_may_see_the_case(world, login):
    from tests.factories import make_achievement, make_demand
    from tt_platform.brokerage import services as cases

    case = cases.open_case(world["broker"], "隔膜涂覆对接", [make_demand(world["buyer"])],
                           [make_achievement(world["seller"])])
    contract = services.create(world["broker"], contract_data(world["seller"], world["buyer"], case_id=case.id))
    services.submit(world["seller_user"], contract)
    db.session.commit()
    broker_page = login(world["broker"]).get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}"' in broker_page and "隔膜涂覆对接" in broker_page
    registrar_page = login(world["registrar"]).get(f"/contracts/{contract.id}")
    assert registrar_page.status_code == 200  # the registrar sees the contract, not the broker's case
    assert 'id="linked-case"' not in registrar_page.get_data(as_text=True)
