"""Roadshows: events, agendas suggested by the matching engine, registrations, check-in,
intentions after the event, and the event report. Services flush, never commit."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import Organisation, OrgKind, Role, User, Verification
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.brokerage import services as cases
from tt_platform.brokerage.models import Case
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import db, utcnow
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.listings.models import PUBLIC_STATES
from tt_platform.matching import services as matching
from tt_platform.roadshows.models import (
    INTENTION_LEVELS,
    AgendaSlot,
    Intention,
    Registration,
    RegistrationStatus,
    Roadshow,
)
from tt_platform.security import Conflict, NotAllowed

ORGANISER_KINDS = (OrgKind.OPERATOR, OrgKind.AGENCY)


class RoadshowError(Exception):
    """A user-facing reason the change cannot be made."""


class RoadshowConflict(Conflict, RoadshowError):
    """The roadshow's state refuses the change (registration closed, no seats left, registered already)."""


@dataclass(frozen=True)
class RoadshowData:
    title: str
    theme: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    registration_opens_on: dt.date
    registration_closes_on: dt.date
    field_code: str | None = None
    venue: str | None = None
    online_url: str | None = None
    requires_approval: bool = False


# --- who may do what ---------------------------------------------------------------------------

def organiser_membership(user: User):
    return next((m for m in user.memberships if m.organisation.kind in ORGANISER_KINDS
                 and m.organisation.verification is Verification.VERIFIED), None)


def can_manage(user, roadshow: Roadshow) -> bool:
    return getattr(user, "is_authenticated", False) and any(
        m.organisation_id == roadshow.organiser_id for m in user.memberships)


def can_view(user, roadshow: Roadshow) -> bool:
    return roadshow.is_published or can_manage(user, roadshow)


def own_registration(user, roadshow: Roadshow) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    org_ids = {m.organisation_id for m in user.memberships}
    return next((r for r in roadshow.registrations if r.organisation_id in org_ids), None)


def _require_manager(user: User, roadshow: Roadshow) -> None:
    if not can_manage(user, roadshow):
        raise NotAllowed(_("Only the organiser can do this."))


# --- the event ---------------------------------------------------------------------------------

def _check(data: RoadshowData) -> None:
    if not data.title.strip() or not data.theme.strip():
        raise RoadshowError(_("Title and theme are required."))
    if data.ends_at <= data.starts_at:
        raise RoadshowError(_("The event must end after it starts."))
    if not data.venue and not data.online_url:
        raise RoadshowError(_("Give a venue, an online link, or both."))
    if data.online_url and not data.online_url.startswith(("https://", "http://")):
        raise RoadshowError(_("The online link must start with https://."))
    if not 1 <= data.capacity <= 10_000:
        raise RoadshowError(_("Capacity is between 1 and 10,000."))
    if data.registration_opens_on > data.registration_closes_on:
        raise RoadshowError(_("Registration must open before it closes."))
    if data.registration_closes_on > data.starts_at.date():
        raise RoadshowError(_("Registration must close by the day of the event."))
    if data.field_code and data.field_code not in taxonomy.fields():
        raise RoadshowError(_("Choose a technology field from the list."))


def create(user: User, data: RoadshowData) -> Roadshow:
    membership = organiser_membership(user)
    if membership is None:
        raise NotAllowed(_("Roadshows are organised by operators and technology transfer agencies."))
    _check(data)
    roadshow = Roadshow(organiser_id=membership.organisation_id, created_by_id=user.id, **data.__dict__)
    db.session.add(roadshow)
    db.session.flush()  # ids for the audit row
    audit.record(user, "roadshow", roadshow.id, "created")
    return roadshow


def update(user: User, roadshow: Roadshow, data: RoadshowData) -> None:
    _require_manager(user, roadshow)
    _check(data)
    for key, value in data.__dict__.items():
        setattr(roadshow, key, value)
    audit.record(user, "roadshow", roadshow.id, "updated")


def set_published(user: User, roadshow: Roadshow, published: bool) -> None:
    _require_manager(user, roadshow)
    roadshow.is_published = published
    audit.record(user, "roadshow", roadshow.id, "status", to_status="published" if published else "hidden")


def upcoming(user) -> list[Roadshow]:
    org_ids = [m.organisation_id for m in user.memberships] if getattr(user, "is_authenticated", False) else []
    return list(db.session.scalars(
        sa.select(Roadshow).where(sa.or_(Roadshow.is_published.is_(True), Roadshow.organiser_id.in_(org_ids)))
        .order_by(Roadshow.starts_at.desc()).limit(200)))


# --- agenda ------------------------------------------------------------------------------------

@dataclass
class Suggestion:
    result: Achievement
    score: float
    #: (organisation name, demand title, shared terms) for each registered demand the result answers
    reasons: list[tuple[str, str, list[str]]]


def suggest_agenda(roadshow: Roadshow, limit: int = 12, per_demand: int = 10) -> list[Suggestion]:
    """Results for the agenda, from the published demands of the registered enterprises: each demand
    is matched by the engine; a result scores the sum over demands of its match score, so results
    that answer several registrants' demands come first. Results already on the agenda are skipped."""
    org_ids = [r.organisation_id for r in roadshow.registrations
               if r.status in (RegistrationStatus.PENDING, RegistrationStatus.APPROVED)]
    if not org_ids:
        return []
    demands = db.session.scalars(sa.select(Demand).where(Demand.organisation_id.in_(org_ids),
                                                         Demand.status.in_(PUBLIC_STATES))
                                 .order_by(Demand.id).limit(50)).all()
    on_agenda = {s.achievement_id for s in roadshow.slots}
    scores: dict[int, float] = defaultdict(float)
    reasons: dict[int, list] = defaultdict(list)
    found: dict[int, Achievement] = {}
    for demand in demands:
        for row in matching.matches_for(demand, limit=per_demand):
            result = row.listing
            if result.id in on_agenda or (roadshow.field_code and result.field_code != roadshow.field_code
                                          and len(demands) > 3):
                continue
            found[result.id] = result
            scores[result.id] += row.match.score
            reasons[result.id].append((demand.organisation.name, demand.title, row.match.shared_terms[:5]))
    ranked = sorted(scores, key=lambda rid: (-scores[rid], rid))[:limit]
    return [Suggestion(found[rid], scores[rid], reasons[rid]) for rid in ranked]


def add_slot(user: User, roadshow: Roadshow, result: Achievement, presenter: str, minutes: int = 15,
             reason: str | None = None) -> AgendaSlot:
    _require_manager(user, roadshow)
    if not listings.can_view(user, result) or result.status not in PUBLIC_STATES:
        raise RoadshowError(_("Only published research results can be pitched."))
    if any(s.achievement_id == result.id for s in roadshow.slots):
        raise RoadshowError(_("This result is already on the agenda."))
    if not 5 <= minutes <= 120:
        raise RoadshowError(_("A slot lasts 5 to 120 minutes."))
    presenter = (presenter or "").strip() or result.organisation.name
    slot = AgendaSlot(achievement_id=result.id, position=len(roadshow.slots), minutes=minutes,
                      presenter=presenter[:100], reason=reason, starts_at=roadshow.starts_at)
    roadshow.slots.append(slot)
    _retime(roadshow)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(user, "roadshow", roadshow.id, "agenda", note=result.title[:200])
    return slot


def move_slot(user: User, roadshow: Roadshow, slot_id: int, delta: int) -> None:
    _require_manager(user, roadshow)
    slots = list(roadshow.slots)
    index = next((i for i, s in enumerate(slots) if s.id == slot_id), None)
    if index is None:
        raise RoadshowError(_("No such agenda slot."))
    target = max(0, min(len(slots) - 1, index + delta))
    slots.insert(target, slots.pop(index))
    for position, slot in enumerate(slots):
        slot.position = position
    roadshow.slots.sort(key=lambda s: s.position)
    _retime(roadshow)


def remove_slot(user: User, roadshow: Roadshow, slot_id: int) -> None:
    _require_manager(user, roadshow)
    slot = next((s for s in roadshow.slots if s.id == slot_id), None)
    if slot is None:
        raise RoadshowError(_("No such agenda slot."))
    roadshow.slots.remove(slot)
    for position, s in enumerate(roadshow.slots):
        s.position = position
    _retime(roadshow)


def _retime(roadshow: Roadshow) -> None:
    """Slots follow each other from the start of the event, in agenda order."""
    at = roadshow.starts_at
    for slot in sorted(roadshow.slots, key=lambda s: s.position):
        slot.starts_at = at
        at = at + dt.timedelta(minutes=slot.minutes)


# --- registrations -----------------------------------------------------------------------------

def seats_taken(roadshow: Roadshow) -> int:
    return sum(r.attendees for r in roadshow.registrations
               if r.status in (RegistrationStatus.PENDING, RegistrationStatus.APPROVED))


def register(user: User, roadshow: Roadshow, attendees: int, today: dt.date) -> Registration:
    membership = next((m for m in user.memberships if m.role is Role.ENTERPRISE
                       and m.organisation.verification is Verification.VERIFIED), None)
    if membership is None:
        raise NotAllowed(_("Enterprises with a verified organisation register for roadshows."))
    if not roadshow.is_published:
        raise NotAllowed(_("This roadshow is not open."))
    if not roadshow.registration_opens_on <= today <= roadshow.registration_closes_on:
        raise RoadshowConflict(_("Registration is open from %(start)s to %(end)s.",
                              start=roadshow.registration_opens_on, end=roadshow.registration_closes_on))
    if not 1 <= attendees <= 10:
        raise RoadshowError(_("Register 1 to 10 attendees."))
    existing = own_registration(user, roadshow)
    if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
        raise RoadshowConflict(_("Your organisation is already registered."))
    if seats_taken(roadshow) + attendees > roadshow.capacity:
        raise RoadshowConflict(_("Not enough seats left: %(n)d.", n=max(0, roadshow.capacity - seats_taken(roadshow))))
    status = RegistrationStatus.PENDING if roadshow.requires_approval else RegistrationStatus.APPROVED
    if existing is not None:
        existing.status, existing.attendees, existing.user_id = status, attendees, user.id
        registration = existing
    else:
        registration = Registration(organisation_id=membership.organisation_id, user_id=user.id,
                                    attendees=attendees, status=status)
        roadshow.registrations.append(registration)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(user, "roadshow", roadshow.id, "registered", to_status=status.value,
                 note=membership.organisation.name)
    return registration


def cancel_registration(user: User, registration: Registration) -> None:
    if own_registration(user, registration.roadshow) is not registration:
        raise NotAllowed(_("Only your own registration can be cancelled."))
    registration.status = RegistrationStatus.CANCELLED


def decide_registration(user: User, registration: Registration, approve: bool) -> None:
    _require_manager(user, registration.roadshow)
    if registration.status is not RegistrationStatus.PENDING:
        raise RoadshowError(_("Only pending registrations are decided."))
    registration.status = RegistrationStatus.APPROVED if approve else RegistrationStatus.DECLINED
    audit.record(user, "roadshow", registration.roadshow_id, "registration", to_status=registration.status.value,
                 note=registration.organisation.name)


def check_in(user: User, registration: Registration) -> None:
    _require_manager(user, registration.roadshow)
    if registration.status is not RegistrationStatus.APPROVED:
        raise RoadshowError(_("Only confirmed registrations can be checked in."))
    if registration.checked_in_at is None:
        registration.checked_in_at = utcnow()


def record_intention(user: User, roadshow: Roadshow, result_id: int, level: str, note: str | None,
                     now: dt.datetime) -> Intention:
    registration = own_registration(user, roadshow)
    if registration is None or registration.status is not RegistrationStatus.APPROVED:
        raise NotAllowed(_("Only registered enterprises record intentions."))
    if now < roadshow.starts_at:
        raise RoadshowError(_("Intentions are recorded once the event has started."))
    if result_id not in {s.achievement_id for s in roadshow.slots}:
        raise RoadshowError(_("Choose a result that was pitched."))
    if level not in INTENTION_LEVELS:
        raise RoadshowError(_("Choose how strong your interest is."))
    intention = next((i for i in registration.intentions if i.achievement_id == result_id), None)
    if intention is None:
        intention = Intention(achievement_id=result_id, level=level)
        registration.intentions.append(intention)
    intention.level, intention.note = level, (note or "").strip()[:2000] or None
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    return intention


def intention_to_case(broker: User, intention: Intention) -> Case:
    """One click: a case on the pitched result, with the interested enterprise (and its published
    demands in the same field) as the demand side."""
    if intention.case_id is not None:
        raise RoadshowError(_("A case is already open for this intention."))
    registration = intention.registration
    roadshow = registration.roadshow
    if not (can_manage(broker, roadshow) or accounts.broker_membership(broker) is not None):
        raise NotAllowed(_("Only brokers open cases."))
    demands = db.session.scalars(sa.select(Demand).where(
        Demand.organisation_id == registration.organisation_id, Demand.status.in_(PUBLIC_STATES),
        Demand.field_code == intention.achievement.field_code).limit(3)).all()
    case = cases.open_case(broker, f"{registration.organisation.name} × {intention.achievement.title}"[:200],
                           list(demands), [intention.achievement], source="roadshow", roadshow_id=roadshow.id)
    cases._add_participant(case, registration.organisation, "demand", registration.user)
    intention.case_id = case.id
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    return case


# --- report ------------------------------------------------------------------------------------

@dataclass
class Report:
    registrations: dict[str, int]
    attendees_registered: int
    checked_in: int
    intentions: int
    intentions_strong: int
    cases: int
    contracts: int
    contracts_registered: int
    tech_fen_registered: int


def report(roadshow: Roadshow) -> Report:
    by_status = {s.value: 0 for s in RegistrationStatus}
    for r in roadshow.registrations:
        by_status[r.status.value] += 1
    intentions = [i for r in roadshow.registrations for i in r.intentions]
    case_ids = sa.select(Case.id).where(Case.roadshow_id == roadshow.id)
    contract_filter = sa.or_(Contract.roadshow_id == roadshow.id, Contract.case_id.in_(case_ids))
    contracts = db.session.scalar(sa.select(sa.func.count(Contract.id)).where(contract_filter))
    registered, tech = db.session.execute(sa.select(sa.func.count(Contract.id),
                                                    sa.func.coalesce(sa.func.sum(Contract.tech_fen), 0))
                                          .where(contract_filter, Contract.status == ContractStatus.REGISTERED)).one()
    return Report(
        registrations=by_status,
        attendees_registered=sum(r.attendees for r in roadshow.registrations
                                 if r.status is RegistrationStatus.APPROVED),
        checked_in=sum(1 for r in roadshow.registrations if r.checked_in_at is not None),
        intentions=len(intentions), intentions_strong=sum(1 for i in intentions if i.level == "strong"),
        cases=db.session.scalar(sa.select(sa.func.count()).select_from(case_ids.subquery())),
        contracts=contracts, contracts_registered=registered, tech_fen_registered=int(tech))


def organiser_choices_for(user: User) -> list[Organisation]:
    return [m.organisation for m in user.memberships if m.organisation.kind in ORGANISER_KINDS]
