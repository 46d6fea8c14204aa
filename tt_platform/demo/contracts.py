"""A year of plausible technology contracts for the demo, so the registration desk and the
statistics dashboards are not empty. All are marked `is_demo` and named (演示数据).

The mix follows the published national pattern (see shared/data/tech_market_stats): 技术服务 and
技术开发 carry most of the value, enterprises sell most, universities and institutes less; sizes are
log-normal around a few hundred thousand 元.
"""
from __future__ import annotations

import datetime as dt
import math
import random

import sqlalchemy as sa

from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, User
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.contracts import services
from tt_platform.contracts.models import Contract, ContractItem, ContractStatus
from tt_platform.database import db
from tt_platform.demands.models import Demand

#: sub-type → weight (national value shares, roughly)
SUBTYPE_WEIGHTS = {"SRV-01": 34, "SRV-02": 4, "SRV-03": 2, "DEV-01": 24, "DEV-02": 10, "TRF-01": 5, "TRF-02": 1,
                   "TRF-03": 3, "TRF-04": 1, "LIC-01": 5, "LIC-02": 2, "LIC-03": 1, "CON-01": 8}
#: sellers and buyers that are not members of the platform: (name, party type, region)
OFF_PLATFORM = [
    ("北京示范软件股份有限公司", "E1", "110108"), ("上海示范集成电路有限公司", "E3", "310100"),
    ("深圳示范电子科技有限公司", "E1", "440300"), ("武汉示范光电有限公司", "E1", "420100"),
    ("合肥示范量子信息技术有限公司", "E1", "340100"), ("山东示范化工集团有限公司", "E1", "370100"),
    ("示范省环境科学研究院", "P1", "330100"), ("杭州示范医院", "P3", "330100"),
    ("示范市智能制造协会", "S", "330100"), ("重庆示范汽车零部件有限公司", "E2", "500100"),
]
ITEM_NAMES = {"DEV": "研究开发经费及报酬", "TRF": "转让费", "LIC": "许可使用费", "CON": "咨询费", "SRV": "技术服务费"}
NON_TECH = ["配套设备购置", "原材料及试剂", "样机加工费", "场地及基建"]


def _amount_fen(rng: random.Random) -> int:
    yuan = math.exp(rng.gauss(math.log(400_000), 1.1))
    return int(round(min(max(yuan, 20_000), 80_000_000), -2)) * 100  # whole hundreds of 元


def load_contracts(orgs: dict[str, Organisation], users: dict[str, User], today: dt.date, rng: random.Random) -> int:
    office = orgs["bureau"]
    registrar = users["registrar@demo.example.cn"]
    brokers = [users[e] for e in ("broker@demo.example.cn", "broker2@demo.example.cn", "broker3@demo.example.cn")]
    agency = orgs["agency"]
    sellers = [orgs[k] for k in ("east_uni", "west_uni", "agri_uni", "med_uni", "mfg_inst", "agri_inst",
                                 "ent_info", "ent_mfg", "ent_mat")]
    buyers = [o for k, o in orgs.items() if k.startswith("ent_") and o.is_verified]
    demands_by_field: dict[str, list[int]] = {}
    for demand_id, field_code in db.session.execute(
            sa.select(Demand.id, Demand.field_code).where(Demand.is_demo.is_(True))):
        demands_by_field.setdefault(field_code, []).append(demand_id)
    results_by_org: dict[int, list[tuple[int, str]]] = {}
    for result_id, org_id, field_code in db.session.execute(
            sa.select(Achievement.id, Achievement.organisation_id, Achievement.field_code)
            .where(Achievement.is_demo.is_(True))):
        results_by_org.setdefault(org_id, []).append((result_id, field_code))

    subtypes, weights = zip(*SUBTYPE_WEIGHTS.items(), strict=True)
    start = today - dt.timedelta(days=364)
    specs = []
    for n in range(160):
        registered_on = start + dt.timedelta(days=rng.randrange(365))
        specs.append((registered_on, n))
    specs.sort()
    count = 0
    for registered_on, n in specs:
        sub = taxonomy.contract_subtypes()[rng.choices(subtypes, weights)[0]]
        seller = rng.choice(sellers) if rng.random() < 0.75 else None
        buyer = rng.choice(buyers) if rng.random() < 0.8 else None
        if seller is not None:
            seller_fields = (seller.name, seller.party_type, seller.region_code)
        elif rng.random() < 0.1:
            seller_fields = (f"张{rng.choice('伟敏静磊洋')}(个人)", "N", rng.choice(["330100", "310100"]))
        else:
            seller_fields = rng.choice(OFF_PLATFORM)
        buyer_fields = (buyer.name, buyer.party_type, buyer.region_code) if buyer is not None else rng.choice(
            [o for o in OFF_PLATFORM if o[1] != "N" and o[0] != seller_fields[0]])
        result = rng.choice(results_by_org.get(seller.id, [None])) if seller is not None else None
        field_code = result[1] if result else rng.choice(list(taxonomy.fields()))
        demand_id = rng.choice(demands_by_field.get(field_code, [None])) if rng.random() < 0.3 else None
        tech = _amount_fen(rng)
        items = [ContractItem(position=0, description=ITEM_NAMES[sub.type_code], amount_fen=tech, is_technical=True)]
        if sub.type_code in ("DEV", "SRV") and rng.random() < 0.3:
            items.append(ContractItem(position=1, description=rng.choice(NON_TECH),
                                      amount_fen=int(tech * rng.uniform(0.05, 0.6)) // 100 * 100, is_technical=False))
        broker = rng.choice(brokers) if rng.random() < 0.4 else None
        signed_on = registered_on - dt.timedelta(days=rng.randrange(5, 40))
        creator = broker or users["registrar@demo.example.cn"]
        contract = Contract(
            name=f"{sub.type_name}合同:{taxonomy.fields()[field_code]}项目 {n + 1:03d}(演示数据)",
            type_code=sub.type_code, subtype_code=sub.code, field_code=field_code,
            ip_type=("invention_patent" if sub.type_code in ("TRF", "LIC") and sub.code.endswith("01")
                     else "trade_secret" if sub.code in ("TRF-03", "LIC-02") else None),
            payment_mode=rng.choice(["lump_sum", "instalments", "instalments", "royalty", "entry_fee_royalty"]),
            signed_on=signed_on, valid_from=signed_on,
            valid_until=signed_on + dt.timedelta(days=365 * rng.randint(1, 3)),
            seller_org_id=seller.id if seller else None, seller_name=seller_fields[0],
            seller_party_type=seller_fields[1], seller_region_code=seller_fields[2],
            buyer_org_id=buyer.id if buyer else None, buyer_name=buyer_fields[0], buyer_party_type=buyer_fields[1],
            buyer_region_code=buyer_fields[2], items=items, total_fen=sum(i.amount_fen for i in items),
            tech_fen=tech, demand_id=demand_id, achievement_id=result[0] if result else None,
            broker_id=broker.id if broker else None, agency_id=agency.id if broker else None,
            created_by_id=creator.id, office_id=office.id, is_demo=True,
            submitted_at=dt.datetime.combine(registered_on, dt.time(9), dt.UTC),
        )
        # the last fortnight is still on the registrar's desk; a few registrations were cancelled
        if registered_on > today - dt.timedelta(days=14):
            contract.status = ContractStatus.SUBMITTED
        else:
            contract.status = ContractStatus.REGISTERED
            contract.registered_on, contract.registrar_id = registered_on, registrar.id
            contract.registration_number = services.next_number(office, registered_on.year)
            if rng.random() < 0.04:
                contract.status, contract.cancelled_on = ContractStatus.CANCELLED, min(
                    today, registered_on + dt.timedelta(days=30))
        db.session.add(contract)
        db.session.flush()
        audit.record(creator, "contract", contract.id, "created", note="演示数据", to_status="draft")
        count += 1
    return count
