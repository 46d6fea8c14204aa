"""Demand lists (需求清单) that a park or bureau collects: operators curate them. Services flush, never commit."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts.models import Role, User
from tt_platform.audit import models as audit
from tt_platform.database import db
from tt_platform.demands.models import Demand, DemandList
from tt_platform.demands.services import DemandError, all_lists
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus
from tt_platform.security import NotAllowed

__all__ = ["DemandListData", "add_to_list", "all_lists", "get_visible", "published_lists", "remove_from_list",
           "save_demand_list", "visible_demands"]


@dataclass(frozen=True, slots=True)
class DemandListData:
    name: str
    source: str
    region_code: str
    issued_on: dt.date
    description: str = ""
    deadline: dt.date | None = None
    is_published: bool = False


def _require_operator(user: User) -> None:
    if not user.is_operator:
        raise NotAllowed(_("Only operators manage demand lists."))


def save_demand_list(user: User, data: DemandListData, demand_list: DemandList | None = None) -> DemandList:
    _require_operator(user)
    if data.region_code not in taxonomy.regions():
        raise DemandError(_("Unknown region code."))
    if data.deadline is not None and data.deadline < data.issued_on:
        raise DemandError(_("The deadline must not be before the issue date."))
    if demand_list is None:
        org = next(m.organisation for m in user.memberships if m.role is Role.OPERATOR)
        demand_list = DemandList(organisation_id=org.id, created_by_id=user.id)
        db.session.add(demand_list)
    for f in dataclasses.fields(data):
        setattr(demand_list, f.name, getattr(data, f.name))
    db.session.flush()  # id for the audit row
    audit.record(user, "demand_list", demand_list.id, "saved")
    return demand_list


def add_to_list(user: User, demand_list: DemandList, demand: Demand) -> None:
    _require_operator(user)
    if demand.status not in (ListingStatus.PUBLISHED, ListingStatus.NEGOTIATING, ListingStatus.SOLVED):
        raise DemandError(_("Only published demands can be added to a list."))
    if demand not in demand_list.demands:
        demand_list.demands.append(demand)
        audit.record(user, "demand_list", demand_list.id, "demand_added", data={"demand_id": demand.id})


def remove_from_list(user: User, demand_list: DemandList, demand: Demand) -> None:
    _require_operator(user)
    if demand in demand_list.demands:
        demand_list.demands.remove(demand)
        audit.record(user, "demand_list", demand_list.id, "demand_removed", data={"demand_id": demand.id})


def published_lists():
    return db.session.scalars(
        sa.select(DemandList).where(DemandList.is_published.is_(True)).order_by(DemandList.issued_on.desc())
    ).all()


def _is_operator(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_operator


def get_visible(list_id: int, user) -> DemandList | None:
    """A published list, or any list for an operator; None otherwise (not revealed)."""
    demand_list = db.session.get(DemandList, list_id)
    if demand_list is None or not (demand_list.is_published or _is_operator(user)):
        return None
    return demand_list


def visible_demands(user, demand_list: DemandList) -> list[Demand]:
    """The list's demands that `user` may see (its page and its export)."""
    return [d for d in demand_list.demands if listings.can_view(user, d)]
