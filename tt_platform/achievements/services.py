"""Publishing and changing research results. Services flush, never commit."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts.models import Role, User
from tt_platform.achievements.models import Achievement, IPRecord
from tt_platform.database import db
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus


class AchievementError(Exception):
    """A user-facing reason the result cannot be saved."""


@dataclass(frozen=True, slots=True)
class IPRecordData:
    ip_type: str
    status: str
    number: str = ""
    title: str = ""


@dataclass(frozen=True, slots=True)
class AchievementData:
    title: str
    summary: str
    description: str
    field_code: str
    region_code: str
    cooperation_modes: list[str]
    valid_until: dt.date | None
    contact_name: str
    contact_phone: str
    trl: int | None
    contact_email: str | None = None
    keywords: str = ""
    maturity: str | None = None
    asking_price: Decimal | None = None
    price_negotiable: bool = False
    team: str = ""
    ip_records: list[IPRecordData] = field(default_factory=list)


def _check(data: AchievementData) -> None:
    problem = listings.common_problem(data)
    if problem:
        raise AchievementError(problem)
    if data.trl is not None and not 1 <= data.trl <= 9:
        raise AchievementError(_("TRL must be between 1 and 9."))
    if data.maturity and data.maturity not in taxonomy.maturity_steps():
        raise AchievementError(_("Unknown maturity stage."))
    if data.asking_price is None and not data.price_negotiable:
        raise AchievementError(_("Give an asking price or tick “negotiable”."))
    for ip in data.ip_records:
        if ip.ip_type not in taxonomy.IP_TYPES or ip.status not in taxonomy.IP_STATUSES:
            raise AchievementError(_("Each IP record needs a type and a status."))
    if not data.title.strip() or not data.summary.strip() or not data.description.strip():
        raise AchievementError(_("Title, summary and description are required."))


def _apply(achievement: Achievement, data: AchievementData) -> list[str]:
    changed = []
    for f in dataclasses.fields(data):
        if f.name == "ip_records":
            continue
        value = getattr(data, f.name)
        if f.name == "cooperation_modes":
            value = [m for m in taxonomy.COOPERATION_MODES if m in value]
        if f.name == "maturity" and not value:
            value = taxonomy.maturity_for_trl(data.trl)
        if getattr(achievement, f.name) != value:
            setattr(achievement, f.name, value)
            changed.append(f.name)
    current = [IPRecordData(r.ip_type, r.status, r.number, r.title) for r in achievement.ip_records]
    if current != list(data.ip_records):
        achievement.ip_records = [
            IPRecord(ip_type=r.ip_type, status=r.status, number=r.number, title=r.title) for r in data.ip_records
        ]
        changed.append("ip_records")
    return changed


def create_achievement(user: User, data: AchievementData, *, submit: bool = False) -> Achievement:
    membership = listings.publishing_membership(
        user, Role.RESEARCH, _("Only members of universities and research institutes publish results."))
    _check(data)
    achievement = Achievement(organisation_id=membership.organisation_id, created_by_id=user.id,
                              status=ListingStatus.DRAFT)
    _apply(achievement, data)
    db.session.add(achievement)
    listings.record_created(achievement, user)
    if submit:
        listings.submit(achievement, user)
    return achievement


def update_achievement(user: User, achievement: Achievement, data: AchievementData) -> list[str]:
    listings.require_owner(user, achievement)  # before anything is touched
    _check(data)
    changed = _apply(achievement, data)
    if changed:
        listings.record_edited(achievement, user, changed)
    return changed
