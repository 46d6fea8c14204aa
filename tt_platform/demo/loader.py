"""The demo data set: organisations of every kind, users of every role, ~1,450 research results built
from real abstracts (CSL, Apache-2.0) and 66 enterprise demands written for the demo.

Everything goes through the same services as the web pages (so the demo obeys the same rules and
leaves the same audit trail and search-outbox rows). Deterministic: the same data on every machine.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from tt_platform import taxonomy
from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import BrokerLevel, Membership, Organisation, OrgKind, User
from tt_platform.achievements import services as achievements
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry
from tt_platform.brokerage.models import Case, Participant
from tt_platform.contracts.models import Contract, RegistrationCounter
from tt_platform.database import china_today, db
from tt_platform.demand_lists import services as demand_lists
from tt_platform.demands import services as demands
from tt_platform.demands.models import Demand
from tt_platform.demo.alerts import load_alerts
from tt_platform.demo.brokerage import load_brokerage
from tt_platform.demo.challenges import load_challenges, remove_challenges
from tt_platform.demo.contracts import load_contracts
from tt_platform.demo.trading import load_trading, remove_trading
from tt_platform.indexing import outbox
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus
from tt_platform.listings.summary import summary_of
from tt_platform.roadshows.models import Registration, Roadshow

DATA = Path(__file__).parent / "data"
#: One password for every demo account (listed in the README and printed by the loader).
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - public demo credential, documented
#: CSL categories that become research results (science, engineering, agriculture, medicine).
RESULT_CATEGORIES = ("工学", "理学", "农学", "医学")
SOURCE_NOTE = "CSL {id}（COLING 2022 中文科学文献数据集，Apache-2.0）"


@dataclass(frozen=True)
class DemoOrg:
    key: str
    kind: OrgKind
    name: str
    region: str
    party_type: str
    verified: bool = True
    registration_office: bool = False


ORGS = [
    DemoOrg("bureau", OrgKind.OPERATOR, "示范市科学技术局（技术市场服务中心）", "330100", "G",
            registration_office=True),
    DemoOrg("east_uni", OrgKind.UNIVERSITY, "华东理工示范大学", "310100", "P2"),
    DemoOrg("west_uni", OrgKind.UNIVERSITY, "西部工业示范大学", "610100", "P2"),
    DemoOrg("agri_uni", OrgKind.UNIVERSITY, "北方农业示范大学", "130100", "P2"),
    DemoOrg("med_uni", OrgKind.UNIVERSITY, "南方医科示范大学", "440100", "P2"),
    DemoOrg("mfg_inst", OrgKind.INSTITUTE, "示范先进制造技术研究院", "320500", "P1"),
    DemoOrg("agri_inst", OrgKind.INSTITUTE, "示范省农业科学院", "420100", "P1"),
    DemoOrg("agency", OrgKind.AGENCY, "长三角技术转移示范中心", "330100", "S"),
    DemoOrg("ent_info", OrgKind.ENTERPRISE, "杭州示范智能科技有限公司", "330100", "E1"),
    DemoOrg("ent_aero", OrgKind.ENTERPRISE, "西安示范航空部件有限公司", "610100", "E1"),
    DemoOrg("ent_mfg", OrgKind.ENTERPRISE, "苏州示范精密机械股份有限公司", "320500", "E1"),
    DemoOrg("ent_pharma", OrgKind.ENTERPRISE, "广州示范生物医药有限公司", "440100", "E2"),
    DemoOrg("ent_mat", OrgKind.ENTERPRISE, "宁波示范新材料有限公司", "330200", "E1"),
    DemoOrg("ent_energy", OrgKind.ENTERPRISE, "内蒙古示范新能源有限公司", "150100", "E1"),
    DemoOrg("ent_env", OrgKind.ENTERPRISE, "天津示范环保科技有限公司", "120100", "E3"),
    DemoOrg("ent_nuclear", OrgKind.ENTERPRISE, "大连示范核技术应用有限公司", "210200", "E1"),
    DemoOrg("ent_agri", OrgKind.ENTERPRISE, "青岛示范农业发展有限公司", "370200", "E1"),
    DemoOrg("ent_transport", OrgKind.ENTERPRISE, "长沙示范交通装备有限公司", "430100", "E1"),
    DemoOrg("ent_city", OrgKind.ENTERPRISE, "成都示范城建集团有限公司", "510100", "E1"),
    DemoOrg("ent_new", OrgKind.ENTERPRISE, "厦门示范新创科技有限公司", "350200", "E1", verified=False),
]
#: Which enterprise publishes the demands of each 技术领域.
FIELD_ENTERPRISE = {
    "T01": "ent_info", "T02": "ent_aero", "T03": "ent_mfg", "T04": "ent_pharma", "T05": "ent_mat",
    "T06": "ent_energy", "T07": "ent_env", "T08": "ent_nuclear", "T09": "ent_agri", "T10": "ent_transport",
    "T11": "ent_city",
}
#: Which universities/institutes hold the results of each CSL category (chosen by record id).
CATEGORY_HOLDERS = {
    "工学": ("east_uni", "west_uni", "mfg_inst"),
    "理学": ("east_uni", "west_uni"),
    "农学": ("agri_uni", "agri_inst"),
    "医学": ("med_uni",),
}
#: (e-mail, name, org key, admin, broker level, certificate)
USERS = [
    ("operator@demo.example.cn", "周运营", "bureau", True, None, None),
    ("registrar@demo.example.cn", "吴登记", "bureau", False, None, None),
    ("broker@demo.example.cn", "郑经纪", "agency", True, BrokerLevel.SENIOR, "JSJJ-2024-0017"),
    ("broker2@demo.example.cn", "冯经纪", "agency", False, BrokerLevel.INTERMEDIATE, "JSJJ-2025-0142"),
    ("broker3@demo.example.cn", "陈经纪", "agency", False, BrokerLevel.JUNIOR, "JSJJ-2026-0388"),
    ("enterprise@demo.example.cn", "王企业", "ent_info", True, None, None),
    ("university@demo.example.cn", "李教授", "east_uni", True, None, None),
    ("institute@demo.example.cn", "赵研究员", "mfg_inst", True, None, None),
    ("newcomer@demo.example.cn", "孙新创", "ent_new", True, None, None),
]


def _rng(*parts: str) -> random.Random:
    """A random generator seeded by the parts: the demo is the same on every machine."""
    return random.Random(int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:16], 16))


def csl_records() -> list[dict]:
    with open(DATA / "csl_2k.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load(echo: Callable[[str], None] = print) -> dict[str, int]:
    """Load the whole demo into the current transaction (the caller commits)."""
    today = china_today()
    orgs, users = _organisations_and_users()
    operator = users["operator@demo.example.cn"]
    researchers = {key: _member(orgs[key]) for key in ("east_uni", "west_uni", "agri_uni", "med_uni",
                                                         "mfg_inst", "agri_inst")}
    fields = taxonomy.csl_discipline_fields()

    n_results = 0
    for record in csl_records():
        if record["category"] not in RESULT_CATEGORIES:
            continue
        _result_from_record(record, fields, researchers, operator, today)
        n_results += 1
        if n_results % 250 == 0:
            echo(f"  research results: {n_results}")

    demand_rows = _demand_rows()
    created_demands = []
    for i, row in enumerate(demand_rows):
        created_demands.append(_demand_from_row(i, row, orgs, operator, today))

    demand_list = demand_lists.save_demand_list(operator, demand_lists.DemandListData(
        name="示范高新区2026年第一批企业技术需求清单", source="示范高新技术产业开发区管委会", region_code="330100",
        issued_on=today - dt.timedelta(days=30), deadline=today + dt.timedelta(days=150), is_published=True,
        description="面向园区重点企业征集的技术需求，欢迎高校院所和技术转移机构对接（演示数据）。",
    ))
    demand_list.is_demo = True
    for demand in created_demands:
        if demand.status is ListingStatus.PUBLISHED and len(demand_list.demands) < 18:
            demand_lists.add_to_list(operator, demand_list, demand)

    db.session.flush()
    brokerage = load_brokerage(orgs, users, today, _rng("brokerage"))
    n_contracts = load_contracts(orgs, users, today, _rng("contracts"))
    counts = {"organisations": len(orgs), "users": len(users), "results": n_results,
              "demands": len(created_demands), "demand_lists": 1, "contracts": n_contracts,
              **brokerage, "challenges": load_challenges(orgs, users, today), "trading": load_trading(orgs, users),
              "subscriptions": load_alerts(users)}
    echo("Demo loaded: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, name, org_key, *_rest in USERS:
        echo(f"  {email:<28} {name}  {orgs[org_key].name}")
    return counts


def _organisations_and_users() -> tuple[dict[str, Organisation], dict[str, User]]:
    orgs: dict[str, Organisation] = {}
    users: dict[str, User] = {}
    first_user = {u[2]: u for u in reversed(USERS)}
    for n, spec in enumerate(ORGS, start=1):
        data = accounts.OrganisationData(
            name=spec.name, kind=spec.kind, credit_code=taxonomy.make_uscc(880_000 + n, spec.region),
            region_code=spec.region, party_type=spec.party_type, contact_name="演示联系人",
            contact_phone=f"0{n:02d}-8800{n:04d}", contact_email=f"contact{n}@demo.example.cn",
            introduction=f"{spec.name}（演示机构，名称与信息均为虚构）。",
        )
        spec_user = first_user.get(spec.key)
        email, name = (spec_user[0], spec_user[1]) if spec_user else (f"{spec.key}@demo.example.cn", "演示用户")
        person = accounts.PersonData(name=name, email=email, password=DEMO_PASSWORD,
                                     broker_level=spec_user[4] if spec_user else None,
                                     broker_certificate_no=spec_user[5] if spec_user else None)
        if spec.kind is OrgKind.OPERATOR:
            user = accounts.create_operator(data, person, registration_office=spec.registration_office)
        else:
            user = accounts.register(data, person)
        org = user.memberships[0].organisation
        org.is_demo = True
        orgs[spec.key] = org
        users[email] = user
    operator = users["operator@demo.example.cn"]
    for spec in ORGS:
        if spec.verified and spec.kind is not OrgKind.OPERATOR:
            accounts.decide_verification(operator, orgs[spec.key], True, None)
    for email, name, org_key, admin, level, cert in USERS:
        if email in users:
            continue
        user = accounts._new_user(accounts.PersonData(name=name, email=email, password=DEMO_PASSWORD))
        membership = Membership(user=user, organisation=orgs[org_key], role=orgs[org_key].memberships[0].role,
                                is_org_admin=admin, broker_level=level, broker_certificate_no=cert,
                                is_registrar=org_key == "bureau")
        db.session.add_all([user, membership])
        users[email] = user
    db.session.flush()
    return orgs, users


def _member(org: Organisation) -> User:
    return org.memberships[0].user


def _result_from_record(record, fields, researchers, operator, today) -> Achievement:
    rng = _rng("result", record["id"])
    holders = CATEGORY_HOLDERS[record["category"]]
    holder = researchers[holders[int(record["id"].rsplit("-", 1)[1]) % len(holders)]]
    trl = rng.choice((2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 8))
    negotiable = rng.random() < 0.4
    modes = rng.sample(["transfer", "license", "joint_dev", "equity", "service", "consulting"], rng.randint(1, 3))
    keywords = [k.replace(",", " ")[:40] for k in record["keywords"]][:12]
    data = achievements.AchievementData(
        title=record["title"][:200], summary=summary_of(record["abstract"]),
        description=record["abstract"] + "\n\n关键词：" + "；".join(record["keywords"]),
        field_code=fields[record["discipline"]], region_code=holder.organisation.region_code,
        cooperation_modes=modes, valid_until=today + dt.timedelta(days=rng.randint(240, 720)),
        contact_name="成果转化办公室", contact_phone=holder.organisation.contact_phone,
        contact_email=holder.organisation.contact_email, trl=trl, keywords=",".join(keywords),
        asking_price=None if negotiable else Decimal(rng.choice((10, 20, 30, 50, 80, 100, 150, 200, 300, 500))),
        price_negotiable=negotiable,
    )
    result = achievements.create_achievement(holder, data, submit=True)
    result.external_ref = record["id"]
    result.source_note = SOURCE_NOTE.format(id=record["id"])
    result.is_demo = True
    if rng.random() < 0.97:  # a few stay pending so the review desk has work
        listings.review(result, operator, "approve", None)
        result.published_at = result.published_at - dt.timedelta(days=rng.randint(0, 360))
    return result


def _demand_rows() -> list[dict[str, str]]:
    with open(DATA / "demands.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


_CLAUSE_END = re.compile(r"[，。；;]")


def demand_summary(problem: str, targets: str) -> str:
    """One line for the list pages: the problem's first clause, then the first target."""
    clauses = (_CLAUSE_END.split(part.strip(), maxsplit=1)[0] for part in (problem, targets))
    return "，".join(clause for clause in clauses if clause) + "。"


def _demand_from_row(i: int, row: dict[str, str], orgs, operator, today) -> Demand:
    rng = _rng("demand", row["title"])
    org = orgs[FIELD_ENTERPRISE[row["field"]]]
    owner = _member(org)
    section, _sep, division = row["industry"].partition(":")
    bounty = Decimal(row["bounty"]) if row["bounty"] else None
    data = demands.DemandData(
        title=row["title"], summary=demand_summary(row["problem"], row["targets"]),
        problem=row["problem"], current_situation="", target_indicators=row["targets"],
        field_code=row["field"], region_code=org.region_code, cooperation_modes=row["modes"].split(","),
        valid_until=today + dt.timedelta(days=rng.randint(120, 540)), contact_name=owner.name,
        contact_phone=org.contact_phone, contact_email=owner.email, keywords=row["keywords"],
        industry_section=section, industry_division=division or None,
        budget_min=Decimal(row["budget_min"]) if row["budget_min"] else None,
        budget_max=Decimal(row["budget_max"]) if row["budget_max"] else None,
        budget_negotiable=not row["budget_min"], required_trl=int(row["trl"]) if row["trl"] else None,
        is_challenge=bounty is not None, bounty=bounty,
    )
    demand = demands.create_demand(owner, data, submit=i % 22 != 21)
    demand.is_demo = True
    if i % 22 == 10:
        listings.review(demand, operator, "return", "请补充现有技术路线和已做过的试验，便于对接。")
    elif demand.status is ListingStatus.PENDING and i % 11 != 5:
        listings.review(demand, operator, "approve", None)
        demand.published_at = demand.published_at - dt.timedelta(days=rng.randint(0, 120))
        if i % 9 == 4:
            listings.change_status(demand, owner, ListingStatus.NEGOTIATING)
    return demand


def remove() -> int:
    """Delete the demo organisations, everything they own, and users who belong only to them."""
    demo_orgs = db.session.scalars(sa.select(Organisation).where(Organisation.is_demo.is_(True))).all()
    org_ids = {o.id for o in demo_orgs}
    _remove_contracts(org_ids)
    _remove_brokerage(org_ids)
    remove_challenges(org_ids, sa.select(Membership.user_id).where(Membership.organisation_id.in_(org_ids)))
    remove_trading(org_ids)
    for model in (Demand, Achievement):
        ids = db.session.scalars(sa.select(model.id).where(model.organisation_id.in_(org_ids))).all()
        for listing_id in ids:
            outbox.enqueue(model.entity_type, listing_id, "delete")
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == model.entity_type,
                                                       AuditEntry.entity_id.in_(ids)))
        db.session.execute(sa.delete(model).where(model.id.in_(ids)))
    users = db.session.scalars(sa.select(User).join(Membership).where(Membership.organisation_id.in_(org_ids))).all()
    # One flush for all: an autoflush between a user's and an organisation's deletion would delete a
    # membership that both reach twice (the second time matching no row).
    with db.session.no_autoflush:
        for user in set(users):
            if all(m.organisation_id in org_ids for m in user.memberships):
                db.session.delete(user)
        for org in demo_orgs:
            db.session.delete(org)
    db.session.flush()
    return len(demo_orgs)


def _remove_contracts(org_ids: set[int]) -> None:
    """Demo contracts, and any contract that involves a demo organisation or was recorded by a demo user."""
    demo_user_ids = sa.select(Membership.user_id).where(Membership.organisation_id.in_(org_ids))
    ids = db.session.scalars(sa.select(Contract.id).where(sa.or_(
        Contract.is_demo.is_(True), Contract.seller_org_id.in_(org_ids), Contract.buyer_org_id.in_(org_ids),
        Contract.agency_id.in_(org_ids), Contract.office_id.in_(org_ids), Contract.created_by_id.in_(demo_user_ids),
        Contract.broker_id.in_(demo_user_ids), Contract.registrar_id.in_(demo_user_ids)))).all()
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == "contract", AuditEntry.entity_id.in_(ids)))
    for contract in db.session.scalars(sa.select(Contract).where(Contract.id.in_(ids))):
        db.session.delete(contract)
    db.session.execute(sa.delete(RegistrationCounter).where(RegistrationCounter.office_id.in_(org_ids)))
    db.session.flush()


def _remove_brokerage(org_ids: set[int]) -> None:
    """Cases and roadshows of demo agencies or with demo participants, and demo users' tokens."""
    demo_user_ids = sa.select(Membership.user_id).where(Membership.organisation_id.in_(org_ids))
    case_ids = db.session.scalars(sa.select(Case.id).where(sa.or_(
        Case.is_demo.is_(True), Case.agency_id.in_(org_ids), Case.created_by_id.in_(demo_user_ids),
        Case.id.in_(sa.select(Participant.case_id).where(Participant.organisation_id.in_(org_ids)))))).all()
    show_ids = db.session.scalars(sa.select(Roadshow.id).where(sa.or_(
        Roadshow.is_demo.is_(True), Roadshow.organiser_id.in_(org_ids), Roadshow.created_by_id.in_(demo_user_ids))))
    show_ids = list(show_ids)
    for entity, ids in (("case", case_ids), ("roadshow", show_ids)):
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == entity, AuditEntry.entity_id.in_(ids)))
    for model, ids in ((Case, case_ids), (Roadshow, show_ids)):
        for row in db.session.scalars(sa.select(model).where(model.id.in_(ids))):
            db.session.delete(row)
    db.session.flush()
    # registrations of demo organisations for other roadshows
    for registration in db.session.scalars(sa.select(Registration).where(Registration.organisation_id.in_(org_ids))):
        db.session.delete(registration)
    db.session.flush()
