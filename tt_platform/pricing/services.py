"""Pricing: reference bands from registered contracts, valuation worksheets, tax reliefs. Services flush,
never commit; every function that takes a user checks what that user may see."""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import User
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.brokerage import services as brokerage
from tt_platform.brokerage.models import Case, case_result
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import china_today, db
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.money import FEN_PER_WAN
from tt_platform.pricing import bands, tax, valuation
from tt_platform.pricing.models import METHODS, Worksheet
from tt_platform.security import NotAllowed, NotFound

DECISION_FILE = Path(__file__).parent / "data" / "backtest.json"


#: 1 万亿元: beyond any real price, far inside BIGINT fen
MAX_VALUE_WAN = Decimal(100_000_000)


class PricingError(Exception):
    """A user-facing reason a worksheet or a calculation cannot be done as asked."""


# --- the backtest's decision ----------------------------------------------------------------------

@functools.cache
def _decision() -> dict:
    try:
        return json.loads(DECISION_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def band_enabled(type_codes: tuple[str, ...]) -> bool:
    """PRICING_BAND: `backtest` shows the band only for contract types whose backtest (bench/pricing.py)
    beat both naive baselines; `on` and `off` override it."""
    mode = current_app.config.get("PRICING_BAND", "backtest")
    if mode in ("on", True):
        return True
    if mode in ("off", False):
        return False
    verdicts = _decision().get("types", {})
    return bool(type_codes) and all(verdicts.get(code, {}).get("beats_baselines") is True for code in type_codes)


# --- comparables ------------------------------------------------------------------------------------

def pool(type_codes: tuple[str, ...], as_of: dt.date) -> list[bands.Comparable]:
    """Registered (not cancelled) contracts of these types up to `as_of`, with the TRL of a linked result."""
    rows = db.session.execute(
        sa.select(Contract.id, Contract.type_code, Contract.subtype_code, Contract.field_code, Contract.ip_type,
                  Achievement.trl, Contract.registered_on, Contract.tech_fen, Contract.is_demo)
        .outerjoin(Achievement, Achievement.id == Contract.achievement_id)
        .where(Contract.status == ContractStatus.REGISTERED, Contract.type_code.in_(type_codes),
               Contract.registered_on <= as_of, Contract.tech_fen > 0))
    return [bands.Comparable(*row) for row in rows]


def target_for_result(result: Achievement, as_of: dt.date | None = None) -> bands.Target:
    return bands.Target(type_codes=bands.RESULT_TYPES, field_code=result.field_code,
                        ip_types=tuple(sorted({ip.ip_type for ip in result.ip_records})), trl=result.trl,
                        as_of=as_of or china_today())


def target_for_demand(demand: Demand, as_of: dt.date | None = None) -> bands.Target:
    return bands.Target(type_codes=bands.types_for_modes(demand.cooperation_modes, ("DEV",)),
                        field_code=demand.field_code, trl=demand.required_trl, as_of=as_of or china_today())


@dataclass(frozen=True, slots=True)
class ComparableRow:
    contract: Contract
    parties_visible: bool  #: the viewer may see this contract's page (and so its parties)


@dataclass(frozen=True, slots=True)
class Reference:
    target: bands.Target
    selection: bands.Selection
    band_shown: bool  #: the backtest (or PRICING_BAND) allows showing the band for these types
    rows: list[ComparableRow] = field(default_factory=list)
    demo_count: int = 0

    @property
    def band(self) -> bands.Band | None:
        return self.selection.band if self.band_shown else None


def _reference(user: User, target: bands.Target) -> Reference:
    selection = bands.select(target, pool(target.type_codes, target.as_of or china_today()))
    ids = [c.id for c in selection.comparables]
    by_id = {c.id: c for c in db.session.scalars(sa.select(Contract).where(Contract.id.in_(ids)))} if ids else {}
    rows = [ComparableRow(by_id[i], contracts.can_view(user, by_id[i])) for i in ids if i in by_id]
    return Reference(target=target, selection=selection, band_shown=band_enabled(target.type_codes), rows=rows,
                     demo_count=sum(1 for c in selection.comparables if c.is_demo))


def can_see_reference(user, listing) -> bool:
    """Comparable deals are market data for the people who negotiate: members of verified organisations,
    brokers, operators and the listing's owners (listings.can_view_details)."""
    return listings.can_view_details(user, listing)


def reference_for_result(user: User, result: Achievement) -> Reference:
    if not can_see_reference(user, result):
        raise NotAllowed()
    return _reference(user, target_for_result(result))


def reference_for_demand(user: User, demand: Demand) -> Reference:
    if not can_see_reference(user, demand):
        raise NotAllowed()
    return _reference(user, target_for_demand(demand))


# --- valuation worksheets -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class WorksheetData:
    title: str
    market_base_wan: Decimal | None = None
    factors: tuple[valuation.Factor, ...] = ()
    revenues_wan: tuple[Decimal, ...] = ()
    share_pct: Decimal | None = None
    rate_pct: Decimal | None = None
    cost: valuation.CostInputs | None = None
    chosen_method: str | None = None
    chosen_wan: Decimal | None = None
    reason: str = ""
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class Values:
    market_wan: Decimal | None
    income_wan: Decimal | None
    cost_wan: Decimal | None

    def as_dict(self) -> dict[str, Decimal | None]:
        return {"market": self.market_wan, "income": self.income_wan, "cost": self.cost_wan}

    @property
    def range_wan(self) -> tuple[Decimal, Decimal] | None:
        found = [v for v in self.as_dict().values() if v is not None]
        return (min(found), max(found)) if found else None


def compute(data: WorksheetData) -> Values:
    market = income = cost = None
    if data.market_base_wan is not None:
        market = valuation.market_value(data.market_base_wan, data.factors)
    if data.revenues_wan or data.share_pct is not None or data.rate_pct is not None:
        if not data.revenues_wan or data.share_pct is None or data.rate_pct is None:
            raise PricingError(_("The income approach needs the yearly amounts, the share and the discount rate."))
        income = valuation.income_value(data.revenues_wan, data.share_pct, data.rate_pct)
    if data.cost is not None:
        cost = valuation.cost_value(data.cost)
    return Values(market, income, cost)


def check(data: WorksheetData) -> Values:
    """Every rule of a worksheet, in the order a person would fix them; returns the approaches' values."""
    if not data.title.strip():
        raise PricingError(_("Give the worksheet a title."))
    for f in data.factors:
        if not f.name.strip() or not f.reason.strip():
            raise PricingError(_("Every adjustment factor needs a name and a reason."))
        if not Decimal(-100) < f.percent <= Decimal(1000):
            raise PricingError(_("An adjustment factor lies between -99.99 % and +1000 %."))
    if len(data.revenues_wan) > valuation.MAX_YEARS:
        raise PricingError(_("At most %(n)d years of income.", n=valuation.MAX_YEARS))
    if data.share_pct is not None and not Decimal(0) <= data.share_pct <= Decimal(100):
        raise PricingError(_("The share lies between 0 and 100 %."))
    if data.rate_pct is not None and not Decimal(0) < data.rate_pct <= Decimal(100):
        raise PricingError(_("The discount rate lies above 0 and at most 100 %."))
    if data.cost is not None:
        for pct in (data.cost.technical_obsolescence_pct, data.cost.economic_obsolescence_pct):
            if not Decimal(0) <= pct <= Decimal(100):
                raise PricingError(_("Obsolescence lies between 0 and 100 %."))
    values = compute(data)
    if any(v is not None and not Decimal(0) <= v < MAX_VALUE_WAN for v in values.as_dict().values()):
        raise PricingError(_("The result lies beyond any real price: check the inputs."))
    if data.chosen_method is not None:
        if data.chosen_method not in METHODS:
            raise PricingError(_("Choose the approach the value comes from."))
        if data.chosen_method == "other":
            if data.chosen_wan is None:
                raise PricingError(_("Give the chosen value."))
        elif values.as_dict()[data.chosen_method] is None:
            raise PricingError(_("The chosen approach has no value yet: fill in its inputs."))
        if not data.reason.strip():
            raise PricingError(_("Say why you chose this value."))
    return values


def _inputs_json(data: WorksheetData) -> dict:
    def s(value):
        return None if value is None else str(value)

    cost = data.cost
    return {
        "market": {"base_wan": s(data.market_base_wan),
                   "factors": [{"name": f.name, "percent": str(f.percent), "reason": f.reason} for f in data.factors]},
        "income": {"revenues_wan": [str(r) for r in data.revenues_wan], "share_pct": s(data.share_pct),
                   "rate_pct": s(data.rate_pct)},
        "cost": None if cost is None else {
            "people_wan": str(cost.people_wan), "equipment_wan": str(cost.equipment_wan),
            "materials_wan": str(cost.materials_wan), "other_wan": str(cost.other_wan),
            "technical_obsolescence_pct": str(cost.technical_obsolescence_pct),
            "economic_obsolescence_pct": str(cost.economic_obsolescence_pct)},
        "chosen_wan": s(data.chosen_wan),
    }


def data_of(worksheet: Worksheet) -> WorksheetData:
    """A saved worksheet's inputs back as WorksheetData (exact decimals, as typed)."""
    inputs = worksheet.inputs or {}
    market, income, cost = inputs.get("market") or {}, inputs.get("income") or {}, inputs.get("cost")

    def d(value):
        return None if value in (None, "") else Decimal(value)

    return WorksheetData(
        title=worksheet.title, market_base_wan=d(market.get("base_wan")),
        factors=tuple(valuation.Factor(f["name"], Decimal(f["percent"]), f["reason"])
                      for f in market.get("factors", [])),
        revenues_wan=tuple(Decimal(r) for r in income.get("revenues_wan", [])),
        share_pct=d(income.get("share_pct")), rate_pct=d(income.get("rate_pct")),
        cost=None if not cost else valuation.CostInputs(*(Decimal(cost[k]) for k in (
            "people_wan", "equipment_wan", "materials_wan", "other_wan", "technical_obsolescence_pct",
            "economic_obsolescence_pct"))),
        chosen_method=worksheet.chosen_method, chosen_wan=d(inputs.get("chosen_wan")), reason=worksheet.reason,
        case_id=worksheet.case_id)


def can_open_worksheet(user, result: Achievement) -> bool:
    """Sellers (members of the result's organisation) and brokers of verified agencies."""
    if not getattr(user, "is_authenticated", False) or not listings.can_view(user, result):
        return False
    return listings.is_owner(user, result) or accounts.broker_membership(user) is not None


def can_edit_worksheet(user, worksheet: Worksheet) -> bool:
    """The author and the members of the organisation the author made it for."""
    if not getattr(user, "is_authenticated", False):
        return False
    return worksheet.created_by_id == user.id or any(
        m.organisation_id == worksheet.organisation_id for m in user.memberships)


def can_view_worksheet(user, worksheet: Worksheet) -> bool:
    """Those who may edit it and, once it is shared with a case, everyone who may see the case (both sides
    of it: sharing is the author's choice); nobody else (a broker's worksheet is the broker's negotiating
    position)."""
    return can_edit_worksheet(user, worksheet) or (
        worksheet.case is not None and brokerage.can_view(user, worksheet.case))


def shareable_cases(user, result: Achievement) -> list[Case]:
    """The matchmaking cases that include `result` and that `user` works on (may add notes to)."""
    if not getattr(user, "is_authenticated", False):
        return []
    cases = db.session.scalars(
        sa.select(Case).join(case_result, case_result.c.case_id == Case.id)
        .where(case_result.c.achievement_id == result.id, brokerage.visible_filter(user)).order_by(Case.id))
    return [case for case in cases if brokerage.can_contribute(user, case)]


def case_worksheets(user, case: Case) -> list[Worksheet]:
    """The worksheets shared with a case, for whoever may see the case."""
    if not brokerage.can_view(user, case):
        return []
    return list(db.session.scalars(sa.select(Worksheet).where(Worksheet.case_id == case.id)
                                   .order_by(Worksheet.updated_at.desc(), Worksheet.id.desc())))


def _check_case(user: User, result: Achievement, case_id: int | None) -> None:
    if case_id is not None and case_id not in {c.id for c in shareable_cases(user, result)}:
        raise PricingError(_("Choose one of your matchmaking cases that includes this result."))


def get_worksheet(worksheet_id: int, user) -> Worksheet:
    worksheet = db.session.get(Worksheet, worksheet_id)
    if worksheet is None or not can_view_worksheet(user, worksheet):
        raise NotFound()
    return worksheet


def worksheets_for(user, result: Achievement) -> list[Worksheet]:
    if not getattr(user, "is_authenticated", False):
        return []
    org_ids = [m.organisation_id for m in user.memberships]
    cases = sa.select(Case.id).where(brokerage.visible_filter(user))
    return list(db.session.scalars(
        sa.select(Worksheet).where(Worksheet.achievement_id == result.id,
                                   sa.or_(Worksheet.created_by_id == user.id, Worksheet.organisation_id.in_(org_ids),
                                          Worksheet.case_id.in_(cases)))
        .order_by(Worksheet.updated_at.desc(), Worksheet.id.desc())))


def _author_org(user: User, result: Achievement) -> int:
    if listings.is_owner(user, result):
        return result.organisation_id
    membership = accounts.broker_membership(user)
    if membership is None:
        raise NotAllowed(_("Only the result's owners and brokers can open a valuation worksheet."))
    return membership.organisation_id


def _apply(worksheet: Worksheet, data: WorksheetData, values: Values) -> None:
    worksheet.title = data.title.strip()
    worksheet.inputs = _inputs_json(data)
    worksheet.market_fen, worksheet.income_fen, worksheet.cost_fen = (
        None if v is None else valuation.to_fen(v) for v in (values.market_wan, values.income_wan, values.cost_wan))
    worksheet.chosen_method = data.chosen_method
    if data.chosen_method is None:
        worksheet.chosen_fen = None
    elif data.chosen_method == "other":
        worksheet.chosen_fen = valuation.to_fen(data.chosen_wan)
    else:
        worksheet.chosen_fen = getattr(worksheet, f"{data.chosen_method}_fen")
    worksheet.reason = data.reason.strip()
    worksheet.case_id = data.case_id


def create_worksheet(user: User, result: Achievement, data: WorksheetData) -> Worksheet:
    if not can_open_worksheet(user, result):
        raise NotAllowed(_("Only the result's owners and brokers can open a valuation worksheet."))
    values = check(data)
    _check_case(user, result, data.case_id)
    worksheet = Worksheet(achievement_id=result.id, organisation_id=_author_org(user, result),
                          created_by_id=user.id)
    _apply(worksheet, data, values)
    db.session.add(worksheet)
    db.session.flush()  # id for the audit row
    audit.record(user, "worksheet", worksheet.id, "created", data={"achievement": result.id})
    return worksheet


def update_worksheet(user: User, worksheet: Worksheet, data: WorksheetData) -> None:
    if not can_edit_worksheet(user, worksheet):
        raise NotAllowed(_("Only the author's organisation changes a worksheet."))
    values = check(data)
    if data.case_id != worksheet.case_id:
        _check_case(user, worksheet.achievement, data.case_id)
    _apply(worksheet, data, values)
    db.session.flush()  # write now: a broken constraint fails inside the service
    audit.record(user, "worksheet", worksheet.id, "updated")


def wan(fen: int | None) -> Decimal | None:
    return None if fen is None else Decimal(fen) / FEN_PER_WAN


# --- tax reliefs --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CitLine:
    contract: Contract
    reason: str  #: tax.IN_… (counted) or tax.OUT_…
    costs_fen: int
    taxes_fen: int

    @property
    def counted(self) -> bool:
        return self.reason in (tax.IN_TRANSFER, tax.IN_LICENCE)


@dataclass(frozen=True, slots=True)
class TaxView:
    contract: Contract
    year: int
    lines: list[CitLine]
    relief: tax.CitRelief
    vat: list[tax.VatLine]

    @property
    def vat_exempt_fen(self) -> int:
        return sum(v.amount_fen for v in self.vat if v.exempt)


def can_see_tax(user, contract: Contract) -> bool:
    """The seller's members, on a registered contract."""
    return (getattr(user, "is_authenticated", False) and contract.status is ContractStatus.REGISTERED
            and contracts.is_seller_side(user, contract))


def seller_year_contracts(contract: Contract) -> list[Contract]:
    """The seller's registered contracts of the contract's registration year (the tax year counted)."""
    year = contract.registered_on.year
    return list(db.session.scalars(
        sa.select(Contract).where(Contract.seller_org_id == contract.seller_org_id,
                                  Contract.status == ContractStatus.REGISTERED,
                                  Contract.registered_on >= dt.date(year, 1, 1),
                                  Contract.registered_on <= dt.date(year, 12, 31))
        .order_by(Contract.registered_on, Contract.id)))


def tax_view(user, contract: Contract, costs: dict[int, tuple[int, int]] | None = None) -> TaxView:
    """The reliefs of `contract` for its seller: the year's income-tax relief over the seller's counted
    contracts (with the costs and taxes the user entered, by contract id) and this contract's VAT lines."""
    if not can_see_tax(user, contract):
        raise NotAllowed()
    costs = costs or {}
    lines = []
    for c in seller_year_contracts(contract):
        reason = tax.cit_eligibility(c.type_code, c.signed_on, c.valid_from, c.valid_until)
        cost_fen, taxes_fen = costs.get(c.id, (0, 0))
        lines.append(CitLine(c, reason, cost_fen, taxes_fen))
    relief = tax.sum_relief((line.contract.tech_fen, line.costs_fen, line.taxes_fen)
                            for line in lines if line.counted)
    vat = tax.vat_lines(contract.type_code, contract.status is ContractStatus.REGISTERED,
                        ((i.description, i.amount_fen, i.is_technical) for i in contract.items))
    return TaxView(contract, contract.registered_on.year, lines, relief, vat)
