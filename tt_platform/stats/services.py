"""Statistics of registered technology contracts (the figures a science bureau publishes).

Only contracts whose registration stands count: status REGISTERED (cancelled ones leave), dated by
their registration date. Every figure is an exact sum of integer fen computed by the database;
`tests/tt_platform/stats` rebuilds random contract sets and checks each table against a direct sum.
The 揭榜挂帅 tables beside them are computed by the challenges package (`challenges.statistics`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, User
from tt_platform.brokerage.models import case_demand
from tt_platform.challenges import statistics as challenge_statistics
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import CHINA, db
from tt_platform.demands.models import Demand
from tt_platform.matching.models import MatchSummary
from tt_platform.pricing import tax
from tt_platform.trading.models import Auction, PriceListing, PriceNotice


@dataclass(frozen=True)
class StatsFilter:
    start: dt.date | None = None
    end: dt.date | None = None
    #: province ('33') or city ('3301') code prefix of the seller (contracts are registered where the seller is)
    region: str | None = None
    field_code: str | None = None
    type_code: str | None = None
    #: the pre-2021 four-type view: 技术许可 counted as 技术转让
    pre_2021: bool = False
    demo: bool | None = None


@dataclass
class Row:
    key: str
    label: str
    count: int = 0
    total_fen: int = 0
    tech_fen: int = 0


@dataclass
class Table:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)

    @property
    def totals(self) -> Row:
        return Row("", "", sum(r.count for r in self.rows), sum(r.total_fen for r in self.rows),
                   sum(r.tech_fen for r in self.rows))


def _type_expr(pre_2021: bool):
    if not pre_2021:
        return Contract.type_code
    return sa.case(*((Contract.type_code == old, new) for old, new in taxonomy.PRE_2021_TYPE.items()),
                   else_=Contract.type_code)


def _party_group_expr(column):
    """E1/E2/E3 → E (企业); the other party types stay as they are."""
    return sa.case((sa.func.substr(column, 1, 1) == "E", "E"), else_=column)


def base_conditions(f: StatsFilter) -> list:
    conds = [Contract.status == ContractStatus.REGISTERED]
    if f.start:
        conds.append(Contract.registered_on >= f.start)
    if f.end:
        conds.append(Contract.registered_on <= f.end)
    if f.region:
        conds.append(sa.func.substr(Contract.seller_region_code, 1, len(f.region)) == f.region)
    if f.field_code:
        conds.append(Contract.field_code == f.field_code)
    if f.type_code:
        conds.append(_type_expr(f.pre_2021) == f.type_code)
    if f.demo is not None:
        conds.append(Contract.is_demo.is_(f.demo))
    return conds


def _grouped(keys: list, f: StatsFilter, extra_conds=()) -> list[tuple]:
    measures = [sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.total_fen), 0),
                sa.func.coalesce(sa.func.sum(Contract.tech_fen), 0)]
    query = sa.select(*keys, *measures).where(*base_conditions(f), *extra_conds)
    if keys:
        query = query.group_by(*keys)
    return [tuple(r) for r in db.session.execute(query)]


def totals(f: StatsFilter) -> Row:
    count, total, tech = _grouped([], f)[0]
    return Row("", "", int(count), int(total), int(tech))


def _rows(pairs: list[tuple], label) -> list[Row]:
    return [Row(str(k), label(k), int(c), int(t), int(x)) for k, c, t, x in pairs]


def by_period(f: StatsFilter, period: str = "month") -> Table:
    year = sa.extract("year", Contract.registered_on)
    month = sa.extract("month", Contract.registered_on)
    raw = _grouped([year, month], f)
    merged: dict[str, Row] = {}
    for y, m, c, t, x in raw:
        y, m = int(y), int(m)
        key = {"month": f"{y}-{m:02d}", "quarter": f"{y}-Q{(m - 1) // 3 + 1}", "year": f"{y}"}[period]
        row = merged.setdefault(key, Row(key, key))
        row.count += int(c)
        row.total_fen += int(t)
        row.tech_fen += int(x)
    titles = {"month": _l("By month"), "quarter": _l("By quarter"), "year": _l("By year")}
    return Table(f"by_{period}", str(titles[period]), [merged[k] for k in sorted(merged)])


def by_type(f: StatsFilter) -> Table:
    order = list(taxonomy.contract_types())
    rows = _rows(_grouped([_type_expr(f.pre_2021)], f), lambda k: taxonomy.contract_types().get(k, k))
    rows.sort(key=lambda r: order.index(r.key) if r.key in order else 99)
    return Table("by_type", str(_l("By contract type")), rows)


def by_subtype(f: StatsFilter) -> Table:
    order = list(taxonomy.contract_subtypes())

    def label(code):
        sub = taxonomy.contract_subtypes().get(code)
        return f"{sub.type_name} · {taxonomy.subtype_short(code)}" if sub else code

    rows = _rows(_grouped([Contract.subtype_code], f), label)
    if f.pre_2021:  # licences shown under 技术转让, sub-types kept
        for r in rows:
            r.label = r.label.replace("技术许可 ·", "技术转让 · (许可)")
    rows.sort(key=lambda r: order.index(r.key) if r.key in order else 99)
    return Table("by_subtype", str(_l("By contract sub-type")), rows)


def by_field(f: StatsFilter) -> Table:
    rows = _rows(_grouped([Contract.field_code], f), lambda k: taxonomy.fields().get(k, k))
    rows.sort(key=lambda r: r.key)
    return Table("by_field", str(_l("By technology field")), rows)


def by_region(f: StatsFilter, side: str = "seller", level: str = "province") -> Table:
    column = Contract.seller_region_code if side == "seller" else Contract.buyer_region_code
    digits = 2 if level == "province" else 4
    key = sa.func.substr(column, 1, digits)
    suffix = "0000" if level == "province" else "00"
    rows = _rows(_grouped([key], f), lambda k: taxonomy.region_label(k + suffix))
    rows.sort(key=lambda r: -r.total_fen)
    title = {("seller", "province"): _l("Technology output by province (seller)"),
             ("seller", "city"): _l("Technology output by city (seller)"),
             ("buyer", "province"): _l("Technology intake by province (buyer)"),
             ("buyer", "city"): _l("Technology intake by city (buyer)")}[(side, level)]
    return Table(f"{side}_{level}", str(title), rows)


def by_party_type(f: StatsFilter, side: str = "seller") -> Table:
    column = Contract.seller_party_type if side == "seller" else Contract.buyer_party_type
    names = taxonomy.party_types()
    rows = _rows(_grouped([_party_group_expr(column)], f), lambda k: names.get(k, (k, None))[0])
    order = list(names)
    rows.sort(key=lambda r: order.index(r.key) if r.key in order else 99)
    title = _l("By seller party type") if side == "seller" else _l("By buyer party type")
    return Table(f"{side}_party", str(title), rows)


def by_broker(f: StatsFilter) -> Table:
    raw = _grouped([Contract.broker_id], f, [Contract.broker_id.is_not(None)])
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_([r[0] for r in raw]))).all())
    rows = _rows(raw, lambda k: names.get(k, str(k)))
    rows.sort(key=lambda r: -r.tech_fen)
    return Table("by_broker", str(_l("Brokers")), rows)


def by_agency(f: StatsFilter) -> Table:
    raw = _grouped([Contract.agency_id], f, [Contract.agency_id.is_not(None)])
    names = dict(db.session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_([r[0] for r in raw]))).all())
    rows = _rows(raw, lambda k: names.get(k, str(k)))
    rows.sort(key=lambda r: -r.tech_fen)
    return Table("by_agency", str(_l("Agencies")), rows)


#: contract types whose registered technical amount is VAT-exempt (财税〔2016〕36号, Annex 3, Art. 1 (26))
VAT_EXEMPT_TYPES = ("TRF", "LIC", "DEV")


def by_relief(f: StatsFilter, relief: str, dim: str) -> Table:
    """Registered contracts eligible for a tax relief, by registration year or seller province.

    `cit`: contracts whose income counts as 技术转让所得 (transfers; licences of five years or more signed
    since 2015-10-01: pricing.tax.cit_eligibility decides, in Python, because the term's length needs date
    arithmetic SQLite and PostgreSQL spell differently). `vat`: transfers, licences and developments,
    whose technical amount (技术交易额) is VAT-exempt once registered; non-technical items are not."""
    types = ("TRF", "LIC") if relief == "cit" else VAT_EXEMPT_TYPES
    rows = db.session.execute(
        sa.select(Contract.registered_on, Contract.seller_region_code, Contract.type_code, Contract.signed_on,
                  Contract.valid_from, Contract.valid_until, Contract.total_fen, Contract.tech_fen)
        .where(*base_conditions(f), Contract.type_code.in_(types)))
    merged: dict[str, Row] = {}
    for registered_on, region, type_code, signed_on, valid_from, valid_until, total_fen, tech_fen in rows:
        if relief == "cit" and tax.cit_eligibility(type_code, signed_on, valid_from, valid_until) not in (
                tax.IN_TRANSFER, tax.IN_LICENCE):
            continue
        key = str(registered_on.year) if dim == "year" else region[:2]
        label = key if dim == "year" else taxonomy.region_label(key + "0000")
        row = merged.setdefault(key, Row(key, label))
        row.count += 1
        row.total_fen += int(total_fen)
        row.tech_fen += int(tech_fen)
    ordered = sorted(merged.values(), key=lambda r: r.key if dim == "year" else -r.tech_fen)
    titles = {("cit", "year"): _l("Eligible for the income-tax relief on technology transfer, by year"),
              ("cit", "province"): _l("Eligible for the income-tax relief on technology transfer, by seller "
                                      "province"),
              ("vat", "year"): _l("VAT-exempt technology transfer, licence and development, by year"),
              ("vat", "province"): _l("VAT-exempt technology transfer, licence and development, by seller "
                                      "province")}
    return Table(f"relief_{relief}_{dim}", str(titles[(relief, dim)]), ordered)


#: the pricing routes a registered contract can have come through (issue 18)
ROUTES = {"agreement": _l("Agreement with public notice (协议定价)"), "listing": _l("Listing at a price (挂牌交易)"),
          "auction": _l("Auction (拍卖/竞价)"), "other": _l("Other deals")}


def _route_expr():
    noticed = sa.select(PriceNotice.contract_id).where(PriceNotice.contract_id.is_not(None))
    listed = sa.select(PriceListing.contract_id).where(PriceListing.contract_id.is_not(None))
    auctioned = sa.select(Auction.contract_id).where(Auction.contract_id.is_not(None))
    return sa.case((Contract.id.in_(noticed), "agreement"), (Contract.id.in_(listed), "listing"),
                   (Contract.id.in_(auctioned), "auction"), else_="other")


def by_route(f: StatsFilter) -> Table:
    rows = _rows(_grouped([_route_expr()], f), lambda k: str(ROUTES.get(k, k)))
    rows.sort(key=lambda r: list(ROUTES).index(r.key))
    return Table("by_route", str(_l("By pricing route")), rows)


@dataclass(frozen=True)
class RouteMeasure:
    key: str
    label: str
    deals: int
    #: mean of (contract amount − notice or first listed price) / that price, in percent
    premium_pct: float | None
    #: mean days from the notice or first listing to registration
    days_to_registration: float | None


def _first(deal):
    while getattr(deal, "previous", None) is not None:  # a relisting counts from the first one
        deal = deal.previous
    return deal


def _route_start(deal) -> tuple[int, dt.datetime]:
    """The price the premium counts from and when the deal was first offered: the notice, the first listing,
    or for an auction its first round's start price (a contested listing's price, which it starts at) and the
    day the listing or the first round was published."""
    first = _first(deal)
    if isinstance(first, Auction):
        if first.listing is not None:
            return first.start_price_fen, _first(first.listing).starts_at
        return first.start_price_fen, first.created_at
    return first.price_fen, first.starts_at


def route_measures(f: StatsFilter) -> list[RouteMeasure]:
    """Premium of the registered amount over the notice's proposed price, the first listed price or the
    auction's start price, and days from the notice, first listing or auction's announcement to registration,
    per route (registered contracts the filter keeps)."""
    out = []
    for key, model in (("agreement", PriceNotice), ("listing", PriceListing), ("auction", Auction)):
        pairs = db.session.execute(sa.select(model, Contract).join(Contract, Contract.id == model.contract_id)
                                   .where(*base_conditions(f))).all()
        premiums, days = [], []
        for deal, contract in pairs:
            price_fen, listed_at = _route_start(deal)
            premiums.append((contract.total_fen - price_fen) / price_fen * 100)
            days.append((contract.registered_on - listed_at.astimezone(CHINA).date()).days)
        out.append(RouteMeasure(key, str(ROUTES[key]), len(pairs),
                                sum(premiums) / len(premiums) if premiums else None,
                                sum(days) / len(days) if days else None))
    return out


@dataclass
class ChallengeTable:
    """A 揭榜挂帅 table of the dashboard: the challenges package's own computation (challenges published,
    applications, success rate, bounty committed and paid), under the dashboard's name and title."""

    name: str
    title: str
    table: challenge_statistics.Table


def challenges(f: StatsFilter, grouping: str) -> ChallengeTable:
    """揭榜挂帅 by technology field or by the issuer's province, for the challenges published in the
    period (Beijing dates), of issuers in the region, in the field; the contract type does not apply."""
    table = challenge_statistics.table(grouping, start=f.start, end=f.end, region=f.region,
                                       field_code=f.field_code, demo=f.demo)
    title = _l("Challenges (揭榜挂帅) by technology field") if grouping == "field" else _l(
        "Challenges (揭榜挂帅) by issuer province")
    return ChallengeTable(f"challenges_by_{grouping}", str(title), table)


#: the 揭榜挂帅 tables the dashboard shows and exports, by name (their columns are not a contract table's)
CHALLENGE_TABLES = {
    "challenges_by_field": lambda f: challenges(f, "field"),
    "challenges_by_region": lambda f: challenges(f, "region"),
}


#: every table the dashboard shows and exports, by name
TABLES = {
    "by_month": lambda f: by_period(f, "month"),
    "by_quarter": lambda f: by_period(f, "quarter"),
    "by_year": lambda f: by_period(f, "year"),
    "by_type": by_type,
    "by_subtype": by_subtype,
    "by_field": by_field,
    "seller_province": lambda f: by_region(f, "seller", "province"),
    "seller_city": lambda f: by_region(f, "seller", "city"),
    "buyer_province": lambda f: by_region(f, "buyer", "province"),
    "buyer_city": lambda f: by_region(f, "buyer", "city"),
    "seller_party": lambda f: by_party_type(f, "seller"),
    "buyer_party": lambda f: by_party_type(f, "buyer"),
    "by_broker": by_broker,
    "by_agency": by_agency,
    "by_route": by_route,
    "relief_cit_year": lambda f: by_relief(f, "cit", "year"),
    "relief_cit_province": lambda f: by_relief(f, "cit", "province"),
    "relief_vat_year": lambda f: by_relief(f, "vat", "year"),
    "relief_vat_province": lambda f: by_relief(f, "vat", "province"),
}


@dataclass
class FunnelStep:
    key: str
    label: str
    count: int
    rate: float | None  #: share of the previous step


def funnel(f: StatsFilter) -> list[FunnelStep]:
    """Demands published → matched (see `flask match summarise`) → worked in a case → led to a
    contract → registered (by the demands' publication dates within the period)."""
    conds = [Demand.published_at.is_not(None)]
    if f.start:
        conds.append(Demand.published_at >= dt.datetime.combine(f.start, dt.time(), CHINA))  # Beijing days
    if f.end:
        conds.append(Demand.published_at < dt.datetime.combine(f.end + dt.timedelta(days=1), dt.time(), CHINA))
    if f.field_code:
        conds.append(Demand.field_code == f.field_code)
    if f.region:
        conds.append(sa.func.substr(Demand.region_code, 1, len(f.region)) == f.region)
    demand_ids = sa.select(Demand.id).where(*conds)
    steps = [("published", _l("Demands published"), db.session.scalar(
        sa.select(sa.func.count()).select_from(demand_ids.subquery())))]
    steps.append(("matched", _l("Demands with matching research results"), db.session.scalar(
        sa.select(sa.func.count(MatchSummary.demand_id)).where(MatchSummary.demand_id.in_(demand_ids),
                                                               MatchSummary.matched_results > 0))))

    steps.append(("cases", _l("Demands with a matchmaking case"), db.session.scalar(
        sa.select(sa.func.count(sa.distinct(case_demand.c.demand_id))).where(case_demand.c.demand_id.in_(demand_ids)))))
    steps.append(("contracts", _l("Demands that led to a contract"), db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Contract.demand_id))).where(Contract.demand_id.in_(demand_ids)))))
    steps.append(("registered", _l("Demands with a registered contract"), db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Contract.demand_id))).where(
            Contract.demand_id.in_(demand_ids), Contract.status == ContractStatus.REGISTERED))))
    out, previous = [], None
    for key, label, count in steps:
        out.append(FunnelStep(key, str(label), int(count or 0),
                              None if previous is None else (count / previous if previous else 0.0)))
        previous = count
    return out
