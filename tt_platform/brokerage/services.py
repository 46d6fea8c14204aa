"""Matchmaking cases: who may see and change them, the pipeline, notes, tasks and documents.
Services flush, never commit."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import uploads
from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import Organisation, OrgKind, Role, User, Verification
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.brokerage.models import (
    PIPELINE,
    TERMINATION_REASONS,
    Case,
    Document,
    Note,
    Participant,
    Stage,
    Task,
    case_demand,
    case_result,
)
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import db, utcnow
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.security import Conflict, NotAllowed

#: documents a case may carry: contracts, proposals, scans, spreadsheets
ALLOWED_DOCUMENTS = uploads.OFFICE_DOCUMENTS
MAX_DOCUMENT_BYTES = uploads.MAX_BYTES
MAX_DOCUMENTS = 50


class CaseError(Exception):
    """A user-facing reason the change cannot be made."""


class CaseConflict(Conflict, CaseError):
    """The case's state refuses the change (someone else moved it first, or it is not claimed yet)."""


# --- who may do what ---------------------------------------------------------------------------

def _memberships(user: User, org_id: int):
    return [m for m in user.memberships if m.organisation_id == org_id]


def is_case_broker(user: User, case: Case) -> bool:
    return case.broker_id == user.id


def is_agency_admin(user: User, case: Case) -> bool:
    return any(m.is_org_admin for m in _memberships(user, case.agency_id))


def is_agency_broker(user: User, case: Case) -> bool:
    return any(m.role is Role.BROKER for m in _memberships(user, case.agency_id))


def is_participant(user: User, case: Case) -> bool:
    org_ids = {m.organisation_id for m in user.memberships}
    return any(p.organisation_id in org_ids for p in case.participants)


def can_view(user, case: Case) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    # an unclaimed request is seen by every broker of the agency, so one of them can claim it
    return (is_case_broker(user, case) or is_agency_admin(user, case) or is_participant(user, case)
            or (case.broker_id is None and is_agency_broker(user, case)))


def can_manage(user: User, case: Case) -> bool:
    """Stage, tasks and participants: the case's broker, or the agency's administrators."""
    return is_case_broker(user, case) or is_agency_admin(user, case)


def can_contribute(user: User, case: Case) -> bool:
    """Notes and documents: everyone who works on the case, participants included."""
    return can_manage(user, case) or (case.broker_id is not None and is_participant(user, case))


def _unassigned_in_my_agencies(user: User):
    """Cases that wait for a broker in an agency where `user` is a broker (the request inbox)."""
    broker_of = [m.organisation_id for m in user.memberships if m.role is Role.BROKER]
    return sa.and_(Case.broker_id.is_(None), Case.agency_id.in_(broker_of))


def visible_filter(user: User):
    org_ids = [m.organisation_id for m in user.memberships]
    admin_of = [m.organisation_id for m in user.memberships if m.is_org_admin]
    return sa.or_(
        Case.broker_id == user.id, Case.agency_id.in_(admin_of), _unassigned_in_my_agencies(user),
        Case.id.in_(sa.select(Participant.case_id).where(Participant.organisation_id.in_(org_ids))),
    )


def visible_cases(user: User, *, limit: int | None = None) -> list[Case]:
    """Every case `user` may see, the latest change first (the case list's export)."""
    return list(db.session.scalars(sa.select(Case).where(visible_filter(user))
                                   .order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)))


def others_visible(user: User, *, limit: int = 100) -> list[Case]:
    """The claimed cases `user` sees without being their broker (the dashboard's "other cases")."""
    return list(db.session.scalars(sa.select(Case).where(visible_filter(user), Case.broker_id.is_not(None),
                                                         Case.broker_id != user.id)
                                   .order_by(Case.updated_at.desc()).limit(limit)))


def get_visible(case_id: int, user) -> Case | None:
    case = db.session.get(Case, case_id)
    return case if case is not None and can_view(user, case) else None


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise NotAllowed(message)


# --- opening cases -----------------------------------------------------------------------------

def _add_participant(case: Case, org: Organisation, side: str, contact: User | None = None) -> None:
    if any(p.organisation_id == org.id for p in case.participants):
        return
    case.participants.append(Participant(organisation_id=org.id, side=side,
                                         contact_user_id=contact.id if contact else None))


def open_case(broker: User, title: str, demands: list[Demand], results: list[Achievement], *,
              source: str = "match", roadshow_id: int | None = None) -> Case:
    """A broker opens a case on a demand and one or more results (from a match or a roadshow)."""
    membership = accounts.broker_membership(broker)
    _require(membership is not None, _("Only brokers of a verified agency open cases."))
    if not demands and not results:
        raise CaseError(_("A case needs at least one demand or research result."))
    for listing in (*demands, *results):
        if not listings.can_view(broker, listing):
            raise NotAllowed(_("You cannot see one of these listings."))
    title = (title or "").strip() or (demands[0].title if demands else results[0].title)
    case = Case(title=title[:200], agency_id=membership.organisation_id, broker_id=broker.id, stage=Stage.INTENT,
                source=source, created_by_id=broker.id, roadshow_id=roadshow_id, participants=[])
    case.demands, case.results = list(demands), list(results)
    for demand in demands:
        _add_participant(case, demand.organisation, "demand")
    for result in results:
        _add_participant(case, result.organisation, "supply")
    db.session.add(case)
    db.session.flush()  # ids for the audit row
    audit.record(broker, "case", case.id, "created", to_status=case.stage.value,
                 data={"source": source, "demands": [d.id for d in demands], "results": [r.id for r in results]})
    return case


def agencies() -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.AGENCY, Organisation.verification == Verification.VERIFIED)
        .order_by(Organisation.name)))


def request_broker(user: User, listing, agency: Organisation, message: str) -> Case:
    """"Request a broker": a party asks an agency for help with its own listing; the request lands in
    the agency's inbox until a broker claims it."""
    _require(listings.is_owner(user, listing), _("Only the listing's organisation can request a broker for it."))
    if agency.kind is not OrgKind.AGENCY or agency.verification is not Verification.VERIFIED:
        raise CaseError(_("Choose a verified technology transfer agency."))
    message = (message or "").strip()
    if not 5 <= len(message) <= 2000:
        raise CaseError(_("Tell the agency what you need in 5 to 2,000 characters."))
    case = Case(title=listing.title[:200], agency_id=agency.id, broker_id=None, stage=Stage.INTENT, source="request",
                request_message=message, created_by_id=user.id, participants=[])
    if isinstance(listing, Demand):
        case.demands = [listing]
        _add_participant(case, listing.organisation, "demand", user)
    else:
        case.results = [listing]
        _add_participant(case, listing.organisation, "supply", user)
    db.session.add(case)
    db.session.flush()  # ids for the audit row
    audit.record(user, "case", case.id, "created", to_status=case.stage.value, note=message,
                 data={"source": "request", "agency": agency.id})
    return case


def claim(broker: User, case: Case) -> None:
    _require(is_agency_broker(broker, case), _("Only brokers of this agency can claim the request."))
    db.session.flush()  # pending changes first: the conditional UPDATE below runs in SQL and must see them
    taken = db.session.execute(sa.update(Case).where(Case.id == case.id, Case.broker_id.is_(None))
                               .values(broker_id=broker.id), execution_options={"synchronize_session": False})
    if taken.rowcount != 1:
        db.session.refresh(case)
        raise CaseError(_("Another broker has already claimed this request."))
    case.broker_id = broker.id
    audit.record(broker, "case", case.id, "claimed")


# --- the pipeline ------------------------------------------------------------------------------

def _claim_stage(case: Case, expected: Stage, new: Stage) -> None:
    """Move the case from `expected` to `new` only if it still is at `expected` (a compare-and-set in SQL):
    of two simultaneous moves of one case (its broker and the agency admin, or two tabs) exactly one goes
    on; the other is told where the case is now and to reload."""
    db.session.flush()  # pending changes first: the conditional UPDATE below runs in SQL and must see them
    moved = db.session.execute(sa.update(Case).where(Case.id == case.id, Case.stage == expected).values(stage=new),
                               execution_options={"synchronize_session": False})
    if moved.rowcount != 1:
        db.session.refresh(case)
        raise CaseConflict(_("Someone else has just moved this case (it is now at “%(stage)s”); reload the page.",
                          stage=case.stage.label))


def set_stage(user: User, case: Case, stage: Stage, reason: str | None = None, note: str | None = None) -> None:
    _require(can_manage(user, case), _("Only the case's broker can move it."))
    if case.broker_id is None:
        raise CaseConflict(_("Claim the request first."))
    if stage is case.stage:
        return
    old = case.stage
    if stage is Stage.TERMINATED:
        if reason not in TERMINATION_REASONS:
            raise CaseError(_("Choose why the case ends."))
        note = (note or "").strip()
        if reason == "other" and not note:
            raise CaseError(_("Explain the reason in the text box."))
    _claim_stage(case, old, stage)
    if stage is Stage.TERMINATED:
        case.termination_reason, case.termination_note = reason, note or None
    else:
        case.termination_reason = case.termination_note = None
    case.stage = stage
    audit.record(user, "case", case.id, "stage", from_status=old.value, to_status=stage.value,
                 note=TERMINATION_REASONS.get(reason or "", None) if stage is Stage.TERMINATED else None,
                 data={"note": note} if note else None)


def add_note(user: User, case: Case, body: str) -> Note:
    _require(can_contribute(user, case), _("You cannot add notes to this case."))
    body = (body or "").strip()
    if not 1 <= len(body) <= 5000:
        raise CaseError(_("A note has 1 to 5,000 characters."))
    note = Note(author_id=user.id, body=body)
    case.notes.append(note)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(user, "case", case.id, "note", note=body[:200])
    return note


def add_task(user: User, case: Case, title: str, due_on: dt.date, owner_id: int) -> Task:
    _require(can_manage(user, case), _("Only the case's broker can assign tasks."))
    title = (title or "").strip()
    if not 2 <= len(title) <= 200:
        raise CaseError(_("A task title has 2 to 200 characters."))
    owner = db.session.get(User, owner_id)
    if owner is None or not (can_manage(owner, case) or is_participant(owner, case)):
        raise CaseError(_("A task's owner must work on the case."))
    task = Task(title=title, due_on=due_on, owner_id=owner.id)
    case.tasks.append(task)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(user, "case", case.id, "task", note=f"{title} ({due_on.isoformat()}, {owner.name})")
    return task


def complete_task(user: User, task: Task) -> None:
    case = task.case
    _require(can_manage(user, case) or task.owner_id == user.id, _("Only the task's owner or the broker can do this."))
    if task.done_at is None:
        task.done_at = utcnow()
        audit.record(user, "case", case.id, "task", note=_("Done: %(title)s", title=task.title))


def add_participant(user: User, case: Case, org: Organisation, side: str) -> None:
    _require(can_manage(user, case), _("Only the case's broker can add participants."))
    if side not in ("demand", "supply", "other") or org.verification is not Verification.VERIFIED:
        raise CaseError(_("Choose a verified organisation and its side."))
    _add_participant(case, org, side)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(user, "case", case.id, "participant", note=org.name)


def add_document(user: User, case: Case, filename: str, data: bytes, upload_dir: Path) -> Document:
    _require(can_contribute(user, case), _("You cannot add documents to this case."))
    try:
        upload = uploads.accept(filename, data, ALLOWED_DOCUMENTS, max_bytes=MAX_DOCUMENT_BYTES,
                                types_message=_("Allowed files: PDF, Word, Excel, PowerPoint, PNG, JPEG and text."))
    except uploads.UploadRefused as exc:
        raise CaseError(str(exc)) from None
    if len(case.documents) >= MAX_DOCUMENTS:
        raise CaseError(_("A case holds at most %(n)d documents.", n=MAX_DOCUMENTS))
    doc = Document(filename=upload.filename, stored_name=uploads.store(upload, upload_dir),
                   content_type=upload.content_type, size=len(data), sha256=upload.sha256, uploaded_by_id=user.id)
    case.documents.append(doc)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(user, "case", case.id, "document", note=upload.filename)
    return doc


# --- dashboards --------------------------------------------------------------------------------

def broker_cases(user: User) -> dict[Stage, list[Case]]:
    cases = db.session.scalars(sa.select(Case).where(Case.broker_id == user.id)
                               .order_by(Case.updated_at.desc())).all()
    board: dict[Stage, list[Case]] = {s: [] for s in (*PIPELINE, Stage.TERMINATED)}
    for case in cases:
        board[case.stage].append(case)
    return board


def inbox(user: User) -> list[Case]:
    return list(db.session.scalars(sa.select(Case).where(_unassigned_in_my_agencies(user)).order_by(Case.created_at)))


def overdue_tasks(user: User, today: dt.date) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.owner_id == user.id, Task.done_at.is_(None),
                                                         Task.due_on < today).order_by(Task.due_on)))


def open_tasks(user: User) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.owner_id == user.id, Task.done_at.is_(None))
                                   .order_by(Task.due_on).limit(50)))


def agency_board(user: User) -> list[tuple[Organisation, dict]]:
    """Per agency the user administers: its cases by broker and stage."""
    out = []
    for m in user.memberships:
        if not (m.is_org_admin and m.organisation.kind is OrgKind.AGENCY):
            continue
        rows = db.session.execute(
            sa.select(Case.broker_id, Case.stage, sa.func.count()).where(Case.agency_id == m.organisation_id)
            .group_by(Case.broker_id, Case.stage)).all()
        table: dict = {}
        for broker_id, stage, count in rows:
            table.setdefault(broker_id, {})[stage] = count
        names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(
            [b for b in table if b is not None]))).all())
        out.append((m.organisation, {"rows": table, "names": names}))
    return out



def case_pairs() -> list[tuple[str, int, int]]:
    """("case" or "contract", demand id, result id) for every demand–result pair a case brought together:
    "contract" when a contract of the case was submitted or registered. For matching's judgments."""
    signed = (sa.select(Contract.case_id).where(Contract.case_id.is_not(None),
                                                Contract.status.in_([ContractStatus.SUBMITTED,
                                                                     ContractStatus.REGISTERED])))
    rows = db.session.execute(
        sa.select(case_demand.c.case_id.in_(signed), case_demand.c.demand_id, case_result.c.achievement_id)
        .join(case_result, case_result.c.case_id == case_demand.c.case_id)).all()
    return [("contract" if was_signed else "case", demand_id, achievement_id)
            for was_signed, demand_id, achievement_id in rows]
