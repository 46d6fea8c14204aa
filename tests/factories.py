"""Plain factory functions for tests: real rows through the real models, flushed into the test transaction."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from tt_platform import taxonomy
from tt_platform.accounts import passwords
from tt_platform.accounts.models import ROLE_FOR_KIND, Membership, Organisation, OrgKind, User, Verification
from tt_platform.achievements.models import Achievement
from tt_platform.database import db, utcnow
from tt_platform.demands.models import Demand
from tt_platform.listings.models import ListingStatus

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_org(kind: OrgKind = OrgKind.ENTERPRISE, *, verified: bool = True, name: str | None = None,
             region_code: str = "330100", registration_office: bool = False) -> Organisation:
    n = next(_seq)
    org = Organisation(
        name=name or f"测试机构{n}", kind=kind, credit_code=taxonomy.make_uscc(n + 500_000, region_code),
        region_code=region_code, party_type="E1" if kind is OrgKind.ENTERPRISE else "P2",
        contact_name="联系人", contact_phone="0571-88888888", contact_email=f"org{n}@example.cn",
        verification=Verification.VERIFIED if verified else Verification.PENDING,
        verified_at=utcnow() if verified else None, is_registration_office=registration_office,
    )
    db.session.add(org)
    db.session.flush()
    return org


def make_user(org: Organisation | None = None, *, kind: OrgKind = OrgKind.ENTERPRISE, verified: bool = True,
              admin: bool = False, email: str | None = None, name: str = "测试用户") -> User:
    org = org or make_org(kind, verified=verified)
    n = next(_seq)
    user = User(email=email or f"user{n}@example.cn", name=name, password_hash=passwords.hash_password(PASSWORD))
    db.session.add(user)
    db.session.add(Membership(user=user, organisation=org, role=ROLE_FOR_KIND[org.kind], is_org_admin=admin))
    db.session.flush()
    db.session.refresh(user)
    return user


def make_operator() -> User:
    return make_user(make_org(OrgKind.OPERATOR, registration_office=True), admin=True)


def _common(org: Organisation, status: ListingStatus, **kw) -> dict:
    base = dict(
        organisation_id=org.id, title=f"测试标题{next(_seq)}", summary="一段公开的摘要文字，用于测试。",
        field_code="T01", region_code=org.region_code, cooperation_modes=["transfer", "license"], status=status,
        valid_until=dt.date.today() + dt.timedelta(days=180), contact_name="张三", contact_phone="13800000000",
        contact_email="zhang@example.cn", keywords="锂电池,储能",
        published_at=utcnow() if status in (ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING) else None,
    )
    base.update(kw)
    return base


def make_demand(org: Organisation | None = None, status: ListingStatus = ListingStatus.PUBLISHED, **kw) -> Demand:
    org = org or make_org(OrgKind.ENTERPRISE)
    demand = Demand(**_common(org, status, **{
        "problem": "需要解决的技术难题，保密细节。", "budget_min": Decimal("50"), "budget_max": Decimal("100"),
        "required_trl": 5, **kw}))
    db.session.add(demand)
    db.session.flush()
    return demand


def make_achievement(org: Organisation | None = None, status: ListingStatus = ListingStatus.PUBLISHED,
                     **kw) -> Achievement:
    org = org or make_org(OrgKind.UNIVERSITY)
    result = Achievement(**_common(org, status, **{
        "description": "成果的详细介绍，保密细节。", "trl": 6, "asking_price": Decimal("80"), **kw}))
    db.session.add(result)
    db.session.flush()
    return result


def make_registrar(region_code: str = "330100") -> User:
    """A registrar (认定登记员) of a registration office in `region_code`."""
    office = make_org(OrgKind.OPERATOR, registration_office=True, region_code=region_code)
    user = make_user(office)
    user.memberships[0].is_registrar = True
    db.session.flush()
    return user


def make_broker(agency: Organisation | None = None) -> User:
    return make_user(agency or make_org(OrgKind.AGENCY), kind=OrgKind.AGENCY)


def contract_data(seller: Organisation, buyer: Organisation, *, items=None, subtype: str = "TRF-01", **kw):
    from tt_platform.contracts import services

    base = dict(
        name=f"测试合同{next(_seq)}", subtype_code=subtype, field_code="T06", payment_mode="lump_sum",
        signed_on=dt.date(2026, 3, 1), seller_org_id=seller.id, seller_name=seller.name,
        seller_party_type=seller.party_type, seller_region_code=seller.region_code, buyer_org_id=buyer.id,
        buyer_name=buyer.name, buyer_party_type=buyer.party_type, buyer_region_code=buyer.region_code,
        items=tuple(services.ItemData(*i) for i in (items or [("专利权转让费", 50_000_000, True),
                                                              ("配套设备", 1_234_567, False)])),
    )
    base.update(kw)
    return services.ContractData(**base)
