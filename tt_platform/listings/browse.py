"""Filters, sorting and pagination for the public list pages (database search until the engine lands)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, OrgKind
from tt_platform.listings.models import PUBLIC_STATES, ListingStatus
from tt_platform.listings.services import public_filter

SORTS = ("relevance", "newest", "oldest", "amount_desc", "amount_asc", "trl_desc")


@dataclass
class BrowseParams:
    q: str = ""
    field: str = ""
    region: str = ""
    trl_min: int | None = None
    mode: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    status: str = ""
    org_kind: str = ""
    challenge: bool = False
    sort: str = "newest"
    #: the user picked the order (otherwise a keyword search sorts by relevance)
    sort_chosen: bool = False
    page: int = 1

    def query_args(self, **overrides) -> dict:
        """The current filters as URL parameters (for pagination and sort links)."""
        args = {
            "q": self.q, "field": self.field, "region": self.region, "trl_min": self.trl_min or "",
            "mode": self.mode, "amount_min": self.amount_min if self.amount_min is not None else "",
            "amount_max": self.amount_max if self.amount_max is not None else "", "status": self.status,
            "org_kind": self.org_kind, "challenge": "1" if self.challenge else "",
            "sort": self.sort if self.sort_chosen else "",
        }
        args.update(overrides)
        return {k: v for k, v in args.items() if v not in ("", None)}


def _decimal(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def parse(args) -> BrowseParams:
    """Read filters from the query string; values that are not in the code lists are ignored."""
    p = BrowseParams()
    p.q = (args.get("q") or "").strip()[:100]
    p.field = args.get("field", "") if args.get("field", "") in taxonomy.fields() else ""
    p.region = args.get("region", "") if args.get("region", "") in taxonomy.regions() else ""
    try:
        trl = int(args.get("trl_min") or 0)
        p.trl_min = trl if 1 <= trl <= 9 else None
    except ValueError:
        p.trl_min = None
    p.mode = args.get("mode", "") if args.get("mode", "") in taxonomy.COOPERATION_MODES else ""
    p.amount_min = _decimal(args.get("amount_min"))
    p.amount_max = _decimal(args.get("amount_max"))
    statuses = {s.value for s in PUBLIC_STATES}
    p.status = args.get("status", "") if args.get("status", "") in statuses else ""
    p.org_kind = args.get("org_kind", "") if args.get("org_kind", "") in {k.value for k in OrgKind} else ""
    p.challenge = args.get("challenge") == "1"
    p.sort_chosen = args.get("sort") in SORTS
    p.sort = args.get("sort") if p.sort_chosen else ("relevance" if p.q else "newest")
    try:
        p.page = max(1, min(int(args.get("page") or 1), 10_000))
    except ValueError:
        p.page = 1
    return p


def region_prefix(code: str) -> str:
    """'330000' → '33', '330100' → '3301', '330106' → '330106' (a code's descendants share it)."""
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def apply(stmt, model, p: BrowseParams, *, amount_low, amount_high, trl_column, public_condition):
    """Add filters and ordering to a select() of `model` (a Demand or an Achievement)."""
    stmt = stmt.where(public_condition)
    if p.status:
        stmt = stmt.where(model.status == ListingStatus(p.status))
    if p.q:
        for term in p.q.split()[:8]:
            like = f"%{term.replace('%', '').replace('_', '')}%"
            stmt = stmt.where(sa.or_(model.title.ilike(like), model.summary.ilike(like), model.keywords.ilike(like)))
    if p.field:
        stmt = stmt.where(model.field_code == p.field)
    if p.region:
        stmt = stmt.where(model.region_code.startswith(region_prefix(p.region)))
    if p.trl_min:
        stmt = stmt.where(trl_column >= p.trl_min)
    if p.mode:
        stmt = stmt.where(sa.cast(model.cooperation_modes, sa.Text).like(f'%"{p.mode}"%'))
    if p.amount_min is not None:
        stmt = stmt.where(amount_high >= p.amount_min)
    if p.amount_max is not None:
        stmt = stmt.where(amount_low <= p.amount_max)
    if p.org_kind:
        stmt = stmt.join(Organisation, Organisation.id == model.organisation_id).where(
            Organisation.kind == OrgKind(p.org_kind))
    order = {
        "relevance": (model.published_at.desc(), model.id.desc()),  # the database has no relevance
        "newest": (model.published_at.desc(), model.id.desc()),
        "oldest": (model.published_at.asc(), model.id.asc()),
        "amount_desc": (sa.func.coalesce(amount_high, -1).desc(), model.id.desc()),
        "amount_asc": (sa.func.coalesce(amount_low, 10**12).asc(), model.id.desc()),
        "trl_desc": (sa.func.coalesce(trl_column, 0).desc(), model.id.desc()),
    }[p.sort]
    return stmt.order_by(*order)


@dataclass(frozen=True)
class Browsing:
    """How one kind of listing is browsed: the columns the amount and maturity filters read, and an
    extra condition of its own (demands: challenges only)."""

    model: type
    amount_low: Any
    amount_high: Any
    trl_column: Any
    extra_where: Callable[[BrowseParams], Any] | None = None


def public_select(b: Browsing, p: BrowseParams):
    """The public list as the database serves it: what everyone may see, filtered and ordered by `p`.
    The list page (when the engine is unavailable) and the list's export both read this."""
    stmt = sa.select(b.model)
    if b.extra_where is not None:
        stmt = stmt.where(b.extra_where(p))
    return apply(stmt, b.model, p, amount_low=b.amount_low, amount_high=b.amount_high, trl_column=b.trl_column,
                 public_condition=public_filter(b.model))
