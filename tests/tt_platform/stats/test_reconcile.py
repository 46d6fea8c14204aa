"""Every statistics figure equals a direct computation over the registered contracts, to the fen."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_broker, make_org, make_user
from tt_platform import taxonomy
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts.models import Contract, ContractItem, ContractStatus
from tt_platform.stats import services
from tt_platform.stats.services import StatsFilter

SUBTYPES = list(taxonomy.contract_subtypes())
FIELDS = list(taxonomy.fields())
REGIONS = ["110108", "330106", "330100", "320500", "440300", "510100"]
PARTY_TYPES = ["E1", "E2", "E3", "P1", "P2", "P3", "G", "S", "N", "O"]

item = st.tuples(st.integers(0, 10**12), st.booleans())
contract = st.fixed_dictionaries({
    "subtype": st.sampled_from(SUBTYPES), "field": st.sampled_from(FIELDS),
    "seller_region": st.sampled_from(REGIONS), "buyer_region": st.sampled_from(REGIONS),
    "seller_party": st.sampled_from(PARTY_TYPES), "buyer_party": st.sampled_from([p for p in PARTY_TYPES if p != "N"]),
    "status": st.sampled_from(list(ContractStatus)),
    "registered_on": st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    "items": st.lists(item, min_size=1, max_size=4), "broker": st.integers(0, 2),
})
filters = st.builds(StatsFilter, start=st.none() | st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
                    end=st.none() | st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
                    region=st.none() | st.sampled_from(["33", "3301", "11", "44"]),
                    field_code=st.none() | st.sampled_from(FIELDS), type_code=st.none() | st.sampled_from(
                        list(taxonomy.contract_types())), pre_2021=st.booleans())


def _expected(rows, f: StatsFilter):
    """The direct computation: filter and sum in Python over plain dicts."""
    def type_of(r):
        return taxonomy.PRE_2021_TYPE.get(r["type"], r["type"]) if f.pre_2021 else r["type"]

    kept = [r for r in rows if r["status"] is ContractStatus.REGISTERED
            and (f.start is None or r["registered_on"] >= f.start) and (f.end is None or r["registered_on"] <= f.end)
            and (f.region is None or r["seller_region"].startswith(f.region))
            and (f.field_code is None or r["field"] == f.field_code)
            and (f.type_code is None or type_of(r) == f.type_code)]
    keys = {
        "by_month": lambda r: r["registered_on"].strftime("%Y-%m"),
        "by_quarter": lambda r: f"{r['registered_on'].year}-Q{(r['registered_on'].month - 1) // 3 + 1}",
        "by_year": lambda r: str(r["registered_on"].year),
        "by_type": type_of, "by_subtype": lambda r: r["subtype"], "by_field": lambda r: r["field"],
        "seller_province": lambda r: r["seller_region"][:2], "seller_city": lambda r: r["seller_region"][:4],
        "buyer_province": lambda r: r["buyer_region"][:2], "buyer_city": lambda r: r["buyer_region"][:4],
        "seller_party": lambda r: "E" if r["seller_party"].startswith("E") else r["seller_party"],
        "buyer_party": lambda r: "E" if r["buyer_party"].startswith("E") else r["buyer_party"],
        "by_broker": lambda r: str(r["broker_id"]) if r["broker_id"] else None,
        "by_agency": lambda r: str(r["agency_id"]) if r["agency_id"] else None,
        # these contracts record no licence term, so only transfers earn the income-tax relief
        "relief_cit_year": lambda r: str(r["registered_on"].year) if r["type"] == "TRF" else None,
        "relief_cit_province": lambda r: r["seller_region"][:2] if r["type"] == "TRF" else None,
        "relief_vat_year": lambda r: str(r["registered_on"].year) if r["type"] in ("TRF", "LIC", "DEV") else None,
        "relief_vat_province": lambda r: r["seller_region"][:2] if r["type"] in ("TRF", "LIC", "DEV") else None,
        # none of these contracts came through a pricing route
        "by_route": lambda r: "other",
    }
    out = {}
    for name, key in keys.items():
        acc = defaultdict(lambda: [0, 0, 0])
        for r in kept:
            k = key(r)
            if k is None:
                continue
            acc[k][0] += 1
            acc[k][1] += r["total"]
            acc[k][2] += r["tech"]
        out[name] = {k: tuple(v) for k, v in acc.items()}
    total = (len(kept), sum(r["total"] for r in kept), sum(r["tech"] for r in kept))
    return out, total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(contract, max_size=25), f=filters)
def test_every_table_reconciles_with_the_contracts(db, specs, f):
    savepoint = db.session.begin_nested()
    try:
        seller, buyer = make_org(OrgKind.UNIVERSITY), make_org()
        creator = make_user(buyer)
        brokers = [None, make_broker(), make_broker()]
        rows = []
        for n, spec in enumerate(specs):
            sub = taxonomy.contract_subtypes()[spec["subtype"]]
            broker = brokers[spec["broker"]]
            items = [ContractItem(position=i, description=f"款项{i}", amount_fen=a, is_technical=t)
                     for i, (a, t) in enumerate(spec["items"])]
            c = Contract(
                name=f"合同{n}", type_code=sub.type_code, subtype_code=sub.code, field_code=spec["field"],
                payment_mode="lump_sum", signed_on=dt.date(2024, 1, 1), seller_org_id=seller.id, seller_name="卖方",
                seller_party_type=spec["seller_party"], seller_region_code=spec["seller_region"], buyer_name="买方",
                buyer_org_id=buyer.id, buyer_party_type=spec["buyer_party"], buyer_region_code=spec["buyer_region"],
                total_fen=sum(a for a, _t in spec["items"]), tech_fen=sum(a for a, t in spec["items"] if t),
                status=spec["status"], registered_on=spec["registered_on"], created_by_id=creator.id, items=items,
                broker_id=broker.id if broker else None,
                agency_id=broker.memberships[0].organisation_id if broker else None,
            )
            db.session.add(c)
            rows.append({"type": sub.type_code, "subtype": sub.code, "field": spec["field"],
                         "seller_region": spec["seller_region"], "buyer_region": spec["buyer_region"],
                         "seller_party": spec["seller_party"], "buyer_party": spec["buyer_party"],
                         "status": spec["status"], "registered_on": spec["registered_on"],
                         "total": c.total_fen, "tech": c.tech_fen, "broker_id": c.broker_id,
                         "agency_id": c.agency_id})
        db.session.flush()
        expected, expected_total = _expected(rows, f)
        got_total = services.totals(f)
        assert (got_total.count, got_total.total_fen, got_total.tech_fen) == expected_total
        for name, build in services.TABLES.items():
            table = build(f)
            got = {r.key: (r.count, r.total_fen, r.tech_fen) for r in table.rows}
            assert got == expected[name], name
            assert (table.totals.count, table.totals.total_fen) == (
                sum(v[0] for v in expected[name].values()), sum(v[1] for v in expected[name].values()))
    finally:
        savepoint.rollback()
