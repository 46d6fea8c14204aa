"""Recording, submitting and registering technology contracts (services, real database)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import contract_data, make_broker, make_org, make_registrar, make_user
from tt_platform.accounts.models import Membership, OrgKind, Role
from tt_platform.audit.models import trail
from tt_platform.contracts import services
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import china_today
from tt_platform.security import NotAllowed


@pytest.fixture
def parties(db):
    registrar = make_registrar("330100")
    seller = make_org(OrgKind.UNIVERSITY, region_code="330106")
    buyer = make_org(OrgKind.ENTERPRISE, region_code="320500")
    return {"registrar": registrar, "seller": seller, "buyer": buyer,
            "seller_user": make_user(seller), "buyer_user": make_user(buyer), "broker": make_broker()}


def test_amounts_are_computed_from_items_never_typed(parties):
    c = services.create(parties["broker"], contract_data(parties["seller"], parties["buyer"]))
    assert (c.total_fen, c.tech_fen, c.non_tech_fen) == (51_234_567, 50_000_000, 1_234_567)
    assert c.type_code == "TRF" and c.status is ContractStatus.DRAFT
    assert c.broker_id == parties["broker"].id and c.agency_id == parties["broker"].memberships[0].organisation_id


@pytest.mark.parametrize(("change", "message"), [
    ({"subtype_code": "TRF-99"}, "合同类型"),
    ({"items": ()}, "明细"),
    ({"field_code": "T99"}, "技术领域"),
    ({"seller_party_type": "E"}, "主体类型"),
    ({"buyer_region_code": "999999"}, "所在地"),
    ({"buyer_party_type": "N"}, "单位"),
    ({"signed_on": dt.date(2999, 1, 1)}, "晚于今天"),
    ({"valid_from": dt.date(2026, 5, 1), "valid_until": dt.date(2026, 1, 1)}, "终止日期"),
])
def test_invalid_contracts_are_refused_with_a_reason_and_nothing_is_written(parties, change, message):
    data = contract_data(parties["seller"], parties["buyer"])
    data = type(data)(**{**{f: getattr(data, f) for f in data.__dataclass_fields__}, **change})
    before = services.db.session.scalar(sa.select(sa.func.count(Contract.id)))
    with pytest.raises(services.ContractError, match=message):
        services.create(parties["broker"], data)
    assert services.db.session.scalar(sa.select(sa.func.count(Contract.id))) == before


def test_only_parties_and_brokers_record_contracts(parties):
    outsider = make_user(make_org())
    with pytest.raises(NotAllowed):
        services.create(outsider, contract_data(parties["seller"], parties["buyer"]))
    assert services.create(parties["buyer_user"], contract_data(parties["seller"], parties["buyer"])).id


def test_a_broker_of_an_unverified_agency_is_not_a_broker_yet(parties):
    pending_broker = make_broker(make_org(OrgKind.AGENCY, verified=False))
    with pytest.raises(NotAllowed):
        services.create(pending_broker, contract_data(parties["seller"], parties["buyer"]))
    # one who is also a member of a party records it as that party, not as its broker
    pending_broker.memberships.append(Membership(organisation=parties["buyer"], role=Role.ENTERPRISE))
    services.db.session.flush()
    contract = services.create(pending_broker, contract_data(parties["seller"], parties["buyer"]))
    assert contract.broker_id is None and contract.agency_id is None


def test_registration_flow_numbers_and_audit(parties):
    c = services.create(parties["seller_user"], contract_data(parties["seller"], parties["buyer"]))
    services.submit(parties["seller_user"], c)
    assert c.status is ContractStatus.SUBMITTED and c.office.region_code == "330100"
    services.return_for_correction(parties["registrar"], c, "amount_mismatch", "设备款请单列")
    assert c.status is ContractStatus.RETURNED and c.decision_note == "设备款请单列"
    services.update(parties["seller_user"], c, contract_data(parties["seller"], parties["buyer"], name="改后的合同"))
    services.submit(parties["seller_user"], c)
    number = services.register(parties["registrar"], c)
    year = china_today().year
    assert number == f"{year}330100000001" and len(number) == 16
    assert c.registered_on == china_today()
    second = services.create(parties["seller_user"], contract_data(parties["seller"], parties["buyer"]))
    services.submit(parties["seller_user"], second)
    assert services.register(parties["registrar"], second) == f"{year}330100000002"
    actions = [e.action for e in trail("contract", c.id)]
    assert actions == ["created", "submitted", "returned", "updated", "submitted", "registered", "numbered"]


def test_a_contract_cannot_be_registered_twice_or_edited_after(parties):
    c = services.create(parties["seller_user"], contract_data(parties["seller"], parties["buyer"]))
    services.submit(parties["seller_user"], c)
    services.register(parties["registrar"], c)
    with pytest.raises(services.ContractError):
        services.register(parties["registrar"], c)
    with pytest.raises(services.ContractConflict):  # the seller's, but registered: its state refuses the change
        services.update(parties["seller_user"], c, contract_data(parties["seller"], parties["buyer"]))


def test_only_the_receiving_office_decides(parties):
    other_registrar = make_registrar("110100")
    c = services.create(parties["seller_user"], contract_data(parties["seller"], parties["buyer"]))
    services.submit(parties["seller_user"], c)
    for user in (other_registrar, parties["seller_user"], parties["broker"]):
        with pytest.raises(NotAllowed):
            services.register(user, c)
    assert c.status is ContractStatus.SUBMITTED


def test_refusal_needs_a_listed_reason_and_text_for_other(parties):
    c = services.create(parties["seller_user"], contract_data(parties["seller"], parties["buyer"]))
    services.submit(parties["seller_user"], c)
    with pytest.raises(services.ContractError):
        services.refuse(parties["registrar"], c, "made_up", "")
    with pytest.raises(services.ContractError):
        services.refuse(parties["registrar"], c, "other", "  ")
    services.refuse(parties["registrar"], c, "goods_sale", "")
    assert c.status is ContractStatus.REFUSED and c.registration_number is None


def test_change_and_cancellation_after_registration(parties):
    c = services.create(parties["seller_user"], contract_data(parties["seller"], parties["buyer"]))
    services.submit(parties["seller_user"], c)
    number = services.register(parties["registrar"], c)
    services.request_change(parties["seller_user"], c, "补充协议增加技术服务费 10 万元")
    assert c.change_request
    changed = services.register_change(
        parties["registrar"], c,
        contract_data(parties["seller"], parties["buyer"], name=c.name,
                      items=[("专利权转让费", 50_000_000, True), ("技术服务费", 10_000_000, True)]),
        "依补充协议变更")
    assert "items" in changed and c.tech_fen == 60_000_000 and c.registration_number == number
    assert c.change_request is None
    services.cancel_registration(parties["registrar"], c, "当事人解除合同")
    assert c.status is ContractStatus.CANCELLED and c.registration_number == number
    with pytest.raises(services.ContractError):
        services.cancel_registration(parties["registrar"], c, "again")


def test_visibility(parties):
    c = services.create(parties["broker"], contract_data(parties["seller"], parties["buyer"]))
    assert services.can_view(parties["seller_user"], c) and services.can_view(parties["buyer_user"], c)
    assert services.can_view(parties["broker"], c)
    assert not services.can_view(make_user(make_org()), c)
    assert not services.can_view(make_registrar("330100"), c)  # a draft stays with the parties
    visible = services.db.session.scalars(
        sa.select(Contract.id).where(services.visible_filter(parties["buyer_user"]))).all()
    assert c.id in visible
    outsider_visible = services.db.session.scalars(
        sa.select(Contract.id).where(services.visible_filter(make_user(make_org())))).all()
    assert c.id not in outsider_visible
