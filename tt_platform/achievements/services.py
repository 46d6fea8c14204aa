"""Publishing and changing research results. Services flush, never commit."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, Role, User
from tt_platform.achievements.models import Achievement, IPRecord
from tt_platform.listings import services as listings

MAX_IP_RECORDS = 10


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
    if len(data.ip_records) > MAX_IP_RECORDS:
        raise AchievementError(_("At most %(n)d IP records per result.", n=MAX_IP_RECORDS))
    for ip in data.ip_records:
        if ip.ip_type not in taxonomy.IP_TYPES or ip.status not in taxonomy.IP_STATUSES:
            raise AchievementError(_("Each IP record needs a type and a status."))
        if ip.ip_type != "trade_secret" and not ip.number.strip():
            raise AchievementError(_("Patents and registrations need their number."))
        if len(ip.number) > 60 or len(ip.title) > 200:
            raise AchievementError(_("An IP number has at most 60 characters, its title at most 200."))
    if len(data.description.strip()) > 20000 or len(data.team) > 3000:
        raise AchievementError(_("The description has at most 20,000 characters, the team at most 3,000."))
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


def create_achievement(user: User, data: AchievementData, *, submit: bool = False,
                       organisation: Organisation | None = None) -> Achievement:
    return listings.create_listing(
        user, Achievement, data, role=Role.RESEARCH, check=_check, apply=_apply, and_submit=submit,
        organisation=organisation,
        refusal=_("Only members of universities and research institutes publish results."))


def update_achievement(user: User, achievement: Achievement, data: AchievementData, *,
                       on_behalf: bool = False) -> list[str]:
    return listings.update_listing(user, achievement, data, check=_check, apply=_apply, on_behalf=on_behalf)
