"""Publishing and changing demands and demand lists. Services flush, never commit."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, Role, User
from tt_platform.database import db
from tt_platform.demands.models import Demand, DemandList
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus
from tt_platform.security import NotAllowed


class DemandError(Exception):
    """A user-facing reason the demand cannot be saved."""


@dataclass(frozen=True, slots=True)
class DemandData:
    title: str
    summary: str
    problem: str
    field_code: str
    region_code: str
    cooperation_modes: list[str]
    valid_until: dt.date | None
    contact_name: str
    contact_phone: str
    contact_email: str | None = None
    current_situation: str = ""
    target_indicators: str = ""
    keywords: str = ""
    industry_section: str | None = None
    industry_division: str | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    budget_negotiable: bool = False
    required_trl: int | None = None
    is_challenge: bool = False
    bounty: Decimal | None = None


def _check(data: DemandData) -> None:
    """Rules the form also checks, re-checked here because the API and importers call services too."""
    problem = listings.common_problem(data)
    if problem:
        raise DemandError(problem)
    if data.industry_section and data.industry_section not in taxonomy.industry_sections():
        raise DemandError(_("Unknown industry code."))
    if data.industry_division and (
        taxonomy.industry_divisions().get(data.industry_division, ("", None))[1] != data.industry_section
    ):
        raise DemandError(_("Unknown industry code."))
    if data.required_trl is not None and not 1 <= data.required_trl <= 9:
        raise DemandError(_("TRL must be between 1 and 9."))
    if data.budget_min is not None and data.budget_max is not None and data.budget_min > data.budget_max:
        raise DemandError(_("The upper budget must not be below the lower budget."))
    if data.budget_min is None and data.budget_max is None and not data.budget_negotiable:
        raise DemandError(_("Give a budget or tick “negotiable”."))
    if data.is_challenge and not data.bounty:
        raise DemandError(_("A challenge needs a bounty."))
    if not data.title.strip() or not data.summary.strip() or not data.problem.strip():
        raise DemandError(_("Title, summary and problem are required."))


def _apply(demand: Demand, data: DemandData) -> list[str]:
    changed = []
    for f in dataclasses.fields(data):
        value = getattr(data, f.name)
        if f.name == "cooperation_modes":
            value = [m for m in taxonomy.COOPERATION_MODES if m in value]  # canonical order
        if f.name == "bounty" and not data.is_challenge:
            value = None
        if getattr(demand, f.name) != value:
            setattr(demand, f.name, value)
            changed.append(f.name)
    return changed


def create_demand(user: User, data: DemandData, *, submit: bool = False,
                  organisation: Organisation | None = None) -> Demand:
    """An enterprise member drafts a demand for their organisation (and optionally submits it)."""
    return listings.create_listing(user, Demand, data, role=Role.ENTERPRISE, check=_check, apply=_apply,
                                   refusal=_("Only enterprise members publish demands."), and_submit=submit,
                                   organisation=organisation)


def update_demand(user: User, demand: Demand, data: DemandData, *, on_behalf: bool = False) -> list[str]:
    return listings.update_listing(user, demand, data, check=_check, apply=_apply, on_behalf=on_behalf)


def publish_challenge_listing(operator: User, organisation: Organisation, data: DemandData) -> Demand:
    """The demand-side listing of a 揭榜挂帅 challenge published without a demand (a bureau-run 榜, or an
    enterprise's written from scratch), so that the demand list, search and matching find it like any
    demand. The operator who approved the challenge creates it for the issuer's organisation (of any
    kind: a science bureau's too), under the demand rules, with the audit and outbox rows of any listing:
    created, submitted on the issuer's behalf and approved by that operator (the challenge was reviewed)."""
    if not getattr(operator, "is_operator", False):
        raise NotAllowed(_("Only operators review listings."))
    if not data.is_challenge:
        raise DemandError(_("A challenge needs a bounty."))
    _check(data)
    demand = Demand(organisation=organisation, organisation_id=organisation.id, created_by_id=operator.id,
                    status=ListingStatus.DRAFT)
    _apply(demand, data)
    db.session.add(demand)
    listings.record_created(demand, operator)
    listings.submit(demand, operator, on_behalf=True)
    listings.review(demand, operator, "approve", None)
    return demand


def all_lists():
    return db.session.scalars(sa.select(DemandList).order_by(DemandList.issued_on.desc())).all()
