"""揭榜挂帅: publishing a challenge, its review, the public 榜单. Services flush, never commit."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform import taxonomy, uploads
from tt_platform.accounts.models import OrgKind, Role, User
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.challenges import scoring
from tt_platform.challenges.models import (
    PUBLIC_STATES,
    Application,
    ApplicationStatus,
    Attachment,
    Challenge,
    ChallengeState,
    DefenceSlot,
    ExpertProfile,
    PanelMember,
    Phase,
    Score,
    ScoreRevision,
    SelectionMode,
)
from tt_platform.database import CHINA, china_today, db, utcnow
from tt_platform.demands import services as demands
from tt_platform.demands.models import Demand
from tt_platform.demands.services import DemandData
from tt_platform.listings.models import PUBLIC_STATES as LISTING_PUBLIC_STATES
from tt_platform.listings.services import InvalidTransition
from tt_platform.money import FEN_PER_WAN
from tt_platform.security import NotAllowed, NotFound

#: Kinds of organisation that may answer a 榜 (agencies broker, operators run the platform).
APPLICANT_KINDS = (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE)
#: The largest bounty the platform records: 1,000,000 万元 (100 亿元).
MAX_BOUNTY_FEN = 1_000_000 * FEN_PER_WAN
MAX_ROWS = 10
MAX_RACE_TEAMS = 10
#: The longest application window.
MAX_WINDOW = dt.timedelta(days=366)


class ChallengeError(Exception):
    """A user-facing reason the change cannot be made."""


@dataclass(frozen=True, slots=True)
class Indicator:
    name: str
    target: str
    verification: str


@dataclass(frozen=True, slots=True)
class MilestoneTemplate:
    title: str
    deliverable: str
    share: int  #: whole per cent of the bounty this milestone releases
    months: int  #: months after the task book starts


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    weight: int  #: whole per cent; the weights sum to 100
    max_score: int  #: experts score 0 … max_score


@dataclass(frozen=True, slots=True)
class ChallengeData:
    title: str
    goal: str
    field_code: str
    region_code: str
    bounty_fen: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    indicators: tuple[Indicator, ...]
    milestones: tuple[MilestoneTemplate, ...]
    rubric: tuple[Criterion, ...]
    eligible_kinds: tuple[str, ...] = tuple(k.value for k in APPLICANT_KINDS)
    eligible_regions: tuple[str, ...] = ()
    verified_only: bool = True
    selection_mode: SelectionMode = SelectionMode.MERIT
    race_teams: int = 1
    demand_id: int | None = None


def wan_to_fen(wan: Decimal) -> int:
    """An amount in 万元 to fen, exactly: 12.345678 万元 → 123456780 fen is refused (below one fen)."""
    try:
        fen = Decimal(wan) * FEN_PER_WAN
    except (InvalidOperation, TypeError) as exc:
        raise ValueError("not an amount") from exc
    if not fen.is_finite() or fen != fen.to_integral_value():
        raise ValueError("not a whole number of fen")
    return int(fen)


# --- who may do what ---------------------------------------------------------------------------

def _user(user) -> User | None:
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def issuer_membership(user):
    """The membership through which `user` publishes challenges: an enterprise member (for their
    enterprise) or an operator (a bureau-run 榜), of a verified organisation."""
    user = _user(user)
    for m in user.memberships if user else ():
        if m.role in (Role.ENTERPRISE, Role.OPERATOR) and m.organisation.is_verified:
            return m
    return None


def is_issuer_member(user, challenge: Challenge) -> bool:
    user = _user(user)
    return user is not None and any(m.organisation_id == challenge.organisation_id for m in user.memberships)


def is_authorised(user, challenge: Challenge) -> bool:
    """The issuer's authorised members: whoever wrote the challenge and the organisation's admins.
    They manage the challenge and, later, read its applications."""
    user = _user(user)
    return user is not None and (challenge.created_by_id == user.id or any(
        m.organisation_id == challenge.organisation_id and m.is_org_admin for m in user.memberships))


def can_view(user, challenge: Challenge) -> bool:
    if challenge.state in PUBLIC_STATES:
        return True
    user = _user(user)
    return user is not None and (user.is_operator or is_issuer_member(user, challenge))


def get_visible(challenge_id: int, user) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not can_view(user, challenge):
        raise NotFound()
    return challenge


def _require_authorised(user, challenge: Challenge) -> None:
    if not is_authorised(user, challenge):
        raise NotAllowed(_("Only the issuer’s authorised members may change this challenge."))


# --- rules -------------------------------------------------------------------------------------

def _text(value: str, low: int, high: int, label: str) -> None:
    size = len((value or "").strip())
    if not low <= size <= high:
        raise ChallengeError(_("“%(field)s” must have %(low)d to %(high)d characters (it has %(size)d).",
                               field=label, low=low, high=high, size=size))


def region_matches(region_code: str, allowed: str) -> bool:
    """An organisation in `region_code` is inside `allowed` (a province, a city or the same code)."""
    if allowed.endswith("0000"):
        return region_code[:2] == allowed[:2]
    if allowed.endswith("00"):
        return region_code[:4] == allowed[:4]
    return region_code == allowed


def check(data: ChallengeData, *, now: dt.datetime | None = None) -> None:
    """Every publishing rule; the form checks the shape for inline messages, this holds for every caller."""
    _text(data.title, 4, 200, _("Title"))
    _text(data.goal, 10, 4000, _("Goal"))
    if data.field_code not in taxonomy.fields():
        raise ChallengeError(_("Unknown technology field."))
    if data.region_code not in taxonomy.regions():
        raise ChallengeError(_("Unknown region code."))
    if not 0 < data.bounty_fen <= MAX_BOUNTY_FEN:
        raise ChallengeError(_("The bounty must be more than zero and at most 1,000,000 万元."))
    if data.opens_at.tzinfo is None or data.closes_at.tzinfo is None:
        raise ChallengeError(_("The application window needs a time zone."))
    if data.closes_at <= data.opens_at:
        raise ChallengeError(_("Applications must close after they open."))
    if data.closes_at - data.opens_at > MAX_WINDOW:
        raise ChallengeError(_("The application window lasts at most one year."))
    if now is not None and data.closes_at <= now:
        raise ChallengeError(_("The application window must close in the future."))
    if not 1 <= len(data.indicators) <= MAX_ROWS:
        raise ChallengeError(_("Give 1 to %(n)d technical indicators.", n=MAX_ROWS))
    for row in data.indicators:
        if not (row.name.strip() and row.target.strip() and row.verification.strip()):
            raise ChallengeError(_("Each technical indicator needs a name, a target value and how it is verified."))
    if not 1 <= len(data.milestones) <= MAX_ROWS:
        raise ChallengeError(_("Give 1 to %(n)d milestones.", n=MAX_ROWS))
    if any(not m.title.strip() or not m.deliverable.strip() for m in data.milestones):
        raise ChallengeError(_("Each milestone needs a title and a deliverable."))
    if any(not 0 < m.share <= 100 for m in data.milestones):
        raise ChallengeError(_("Each milestone releases a share of 1 to 100 per cent."))
    if sum(m.share for m in data.milestones) != 100:
        raise ChallengeError(_("The milestones’ shares of the bounty must add up to 100%% (they add up to "
                               "%(total)d%%).", total=sum(m.share for m in data.milestones)))
    if any(not 1 <= m.months <= 120 for m in data.milestones):
        raise ChallengeError(_("A milestone falls due 1 to 120 months after the start."))
    if [m.months for m in data.milestones] != sorted(m.months for m in data.milestones):
        raise ChallengeError(_("List the milestones in the order they fall due."))
    if not 1 <= len(data.rubric) <= MAX_ROWS:
        raise ChallengeError(_("Give 1 to %(n)d review criteria.", n=MAX_ROWS))
    if any(not c.name.strip() for c in data.rubric):
        raise ChallengeError(_("Each review criterion needs a name."))
    if any(not 0 < c.weight <= 100 for c in data.rubric) or sum(c.weight for c in data.rubric) != 100:
        raise ChallengeError(_("The review criteria’s weights must be positive and add up to 100 (they add up "
                               "to %(total)d).", total=sum(c.weight for c in data.rubric)))
    if any(not 1 <= c.max_score <= 100 for c in data.rubric):
        raise ChallengeError(_("A criterion’s highest score is 1 to 100."))
    if not data.eligible_kinds or any(k not in {k.value for k in APPLICANT_KINDS} for k in data.eligible_kinds):
        raise ChallengeError(_("Choose which kinds of organisation may apply."))
    if any(code not in taxonomy.regions() for code in data.eligible_regions):
        raise ChallengeError(_("Unknown region code."))
    if data.selection_mode is SelectionMode.MERIT and data.race_teams != 1:
        raise ChallengeError(_("择优 selects one winner."))
    if data.selection_mode is SelectionMode.RACE and not 2 <= data.race_teams <= MAX_RACE_TEAMS:
        raise ChallengeError(_("赛马 funds 2 to %(n)d teams in parallel.", n=MAX_RACE_TEAMS))


def _apply(challenge: Challenge, data: ChallengeData) -> list[str]:
    values = {
        "title": data.title.strip(), "goal": data.goal.strip(), "field_code": data.field_code,
        "region_code": data.region_code, "bounty_fen": data.bounty_fen, "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "indicators": [dataclasses.asdict(i) for i in data.indicators],
        "milestones": [dataclasses.asdict(m) for m in data.milestones],
        "rubric": [dataclasses.asdict(c) for c in data.rubric],
        "eligible_kinds": [k.value for k in APPLICANT_KINDS if k.value in data.eligible_kinds],
        "eligible_regions": sorted(set(data.eligible_regions)), "verified_only": data.verified_only,
        "selection_mode": data.selection_mode, "race_teams": data.race_teams,
    }
    changed = []
    for name, value in values.items():
        if getattr(challenge, name) != value:
            setattr(challenge, name, value)
            changed.append(name)
    return changed


# --- publishing --------------------------------------------------------------------------------

def demand_for(user, demand_id: int) -> Demand:
    """A demand of the user's own organisation to build a challenge on."""
    demand = db.session.get(Demand, demand_id)
    user = _user(user)
    if demand is None or user is None or not any(m.organisation_id == demand.organisation_id
                                                 for m in user.memberships):
        raise NotFound()
    return demand


def create(user, data: ChallengeData, *, submit: bool = False) -> Challenge:
    """Draft a challenge for the organisation the user publishes through (and optionally submit it)."""
    membership = issuer_membership(user)
    if membership is None:
        raise NotAllowed(_("Challenges are published by members of verified enterprises and by operators."))
    check(data)
    if data.demand_id is not None:
        demand = demand_for(user, data.demand_id)
        if demand.organisation_id != membership.organisation_id:
            raise NotAllowed(_("Only the demand’s own organisation may make a challenge of it."))
    challenge = Challenge(organisation_id=membership.organisation_id, created_by_id=user.id,
                          demand_id=data.demand_id, state=ChallengeState.DRAFT)
    _apply(challenge, data)
    db.session.add(challenge)
    db.session.flush()  # assigns challenge.id for the audit row
    audit.record(user, "challenge", challenge.id, "created", to_status=challenge.state.value)
    if submit:
        submit_for_review(user, challenge)
    return challenge


def update(user, challenge: Challenge, data: ChallengeData) -> list[str]:
    """Change a draft or returned challenge (a published 榜 is fixed: applicants rely on it)."""
    _require_authorised(user, challenge)
    if challenge.state not in (ChallengeState.DRAFT, ChallengeState.RETURNED):
        raise ChallengeError(_("Only drafts and returned challenges can be edited."))
    check(data)
    changed = _apply(challenge, data)
    if changed:
        audit.record(user, "challenge", challenge.id, "updated", data={"fields": changed})
    return changed


def _set_state(challenge: Challenge, actor, new: ChallengeState, action: str, note: str | None = None) -> None:
    old = challenge.state
    challenge.state = new
    audit.record(actor, "challenge", challenge.id, action, from_status=old.value, to_status=new.value, note=note)


def submit_for_review(user, challenge: Challenge, *, now: dt.datetime | None = None) -> None:
    _require_authorised(user, challenge)
    if challenge.state not in (ChallengeState.DRAFT, ChallengeState.RETURNED):
        raise ChallengeError(_("Only drafts and returned challenges can be submitted for review."))
    if challenge.closes_at <= (now or utcnow()):
        raise ChallengeError(_("The application window has already closed; change it before submitting."))
    _set_state(challenge, user, ChallengeState.PENDING, "submitted")


REVIEW_DECISIONS = ("approve", "return", "reject")


def _bounty_wan(challenge: Challenge) -> Decimal:
    return (Decimal(challenge.bounty_fen) / FEN_PER_WAN).quantize(Decimal("0.01"))


def listing_data(challenge: Challenge) -> DemandData:
    """The demand-side listing of a challenge: its goal as the problem, its indicators as the targets,
    the bounty as the budget and the 揭榜挂帅 bounty, open until applications close, 委托开发 (the
    contract it becomes), the issuer's contact."""
    org = challenge.organisation
    goal = challenge.goal.strip()
    names = [i["name"].strip() for i in challenge.indicators if i["name"].strip()]
    keywords = ["揭榜挂帅"]
    for name in names:
        if len(",".join([*keywords, name])) > 500:
            break
        keywords.append(name)
    bounty = _bounty_wan(challenge)
    return DemandData(
        title=challenge.title, summary=goal if len(goal) <= 1000 else goal[:999] + "…", problem=goal,
        target_indicators="\n".join(f"{i['name']}：{i['target']}（{i['verification']}）"
                                     for i in challenge.indicators),
        field_code=challenge.field_code, region_code=challenge.region_code,
        cooperation_modes=["commissioned_dev"], valid_until=_last_day(challenge),
        contact_name=org.contact_name, contact_phone=org.contact_phone, contact_email=org.contact_email or None,
        keywords=",".join(keywords), budget_min=bounty, budget_max=bounty, is_challenge=True, bounty=bounty)


def _last_day(challenge: Challenge) -> dt.date:
    """The last Beijing day on which applications are open: the listing is valid until then."""
    return (challenge.closes_at.astimezone(CHINA) - dt.timedelta(microseconds=1)).date()


def _publish_listing(operator, challenge: Challenge) -> None:
    """A challenge published without a demand gets its demand-side listing (see `listing_data`), owned
    by the issuer and linked to the challenge, so that search and matching find every published 榜
    while its applications are open (then the listing expires like any demand past its date; the 榜单
    keeps the challenge). A backdated review of a window that is already over lists nothing: the
    listing would be born expired. Demo challenges are not listed either: the demo ships the vectors of
    every listing it makes (tt_platform/demo/data), and these are not among them yet."""
    if _last_day(challenge) < china_today() or challenge.is_demo:
        return
    try:
        demand = demands.publish_challenge_listing(operator, challenge.organisation, listing_data(challenge))
    except (demands.DemandError, InvalidTransition) as exc:
        raise ChallengeError(_("The challenge’s listing for search could not be published: %(reason)s",
                               reason=str(exc))) from exc
    challenge.demand = demand
    challenge.demand_id = demand.id
    audit.record(operator, "challenge", challenge.id, "listed", data={"demand": demand.id})


def _mark_demand(actor, challenge: Challenge) -> None:
    """The demand a published challenge was made from is shown as a challenge with its bounty wherever
    demands are listed, searched and matched (the 揭榜挂帅 flag and bounty the demand always had)."""
    demand = challenge.demand
    if demand is None or demand.organisation_id != challenge.organisation_id:
        return
    bounty = _bounty_wan(challenge)
    if demand.is_challenge and demand.bounty == bounty:
        return
    demand.is_challenge, demand.bounty = True, bounty
    audit.record(actor, "demand", demand.id, "updated", data={"fields": ["is_challenge", "bounty"],
                                                              "challenge": challenge.id})


def review(operator, challenge: Challenge, decision: str, reason: str | None, *,
           now: dt.datetime | None = None) -> None:
    """An operator approves a pending challenge onto the 榜单, or returns or rejects it with a reason."""
    if not getattr(operator, "is_operator", False):
        raise NotAllowed(_("Only operators review challenges."))
    if challenge.state is not ChallengeState.PENDING:
        raise ChallengeError(_("Only challenges pending review can be decided."))
    if decision not in REVIEW_DECISIONS:
        raise ChallengeError(_("Choose approve, return or reject."))
    reason = (reason or "").strip()
    if decision == "approve":
        now = now or utcnow()
        if challenge.closes_at <= now:
            raise ChallengeError(_("The application window has already closed; return the challenge instead."))
        challenge.review_note = None
        challenge.published_at = now
        _set_state(challenge, operator, ChallengeState.PUBLISHED, "approved")
        if challenge.demand_id is None:
            _publish_listing(operator, challenge)
        else:
            _mark_demand(operator, challenge)
        return
    if not reason:
        raise ChallengeError(_("Give the issuer a reason."))
    challenge.review_note = reason[:2000]
    _set_state(challenge, operator, ChallengeState.RETURNED if decision == "return" else ChallengeState.REJECTED,
               "returned" if decision == "return" else "rejected", note=reason[:2000])


def pending_review() -> list[Challenge]:
    return list(db.session.scalars(sa.select(Challenge).where(Challenge.state == ChallengeState.PENDING)
                                   .order_by(Challenge.updated_at).limit(200)))


def own_challenges(user) -> list[Challenge]:
    user = _user(user)
    org_ids = [m.organisation_id for m in user.memberships] if user else []
    return list(db.session.scalars(sa.select(Challenge).where(Challenge.organisation_id.in_(org_ids))
                                   .order_by(Challenge.created_at.desc()).limit(200)))


# --- the public 榜单 -----------------------------------------------------------------------------

@dataclass(frozen=True)
class BoardFilter:
    field_code: str | None = None
    province: str | None = None
    min_bounty_fen: int | None = None
    phase: Phase | None = None


def _phase_clause(phase: Phase, now: dt.datetime):
    published = Challenge.state == ChallengeState.PUBLISHED
    return {
        Phase.UPCOMING: sa.and_(published, Challenge.opens_at > now),
        Phase.OPEN: sa.and_(published, Challenge.opens_at <= now, Challenge.closes_at > now),
        Phase.REVIEWING: sa.and_(published, Challenge.closes_at <= now),
        Phase.AWARDED: Challenge.state == ChallengeState.SELECTED,
        Phase.IMPLEMENTING: Challenge.state == ChallengeState.IMPLEMENTING,
        Phase.ACCEPTED: Challenge.state == ChallengeState.ACCEPTED,
        Phase.FAILED: Challenge.state == ChallengeState.FAILED,
    }[phase]  # every Phase, as Challenge.phase computes it (a missing one was a KeyError: a 500 on the board)


def board(filters: BoardFilter, now: dt.datetime, limit: int = 200) -> list[Challenge]:
    """The public 榜单: published challenges (and 流榜 ones), open ones first, each filter applied in SQL
    with the status computed from the dates at `now`."""
    query = sa.select(Challenge).where(Challenge.state.in_(PUBLIC_STATES))
    if filters.field_code:
        query = query.where(Challenge.field_code == filters.field_code)
    if filters.province:
        query = query.where(Challenge.region_code.startswith(filters.province[:2]))
    if filters.min_bounty_fen:
        query = query.where(Challenge.bounty_fen >= filters.min_bounty_fen)
    if filters.phase:
        query = query.where(_phase_clause(filters.phase, now))
    open_first = sa.case((_phase_clause(Phase.OPEN, now), 0), else_=1)
    return list(db.session.scalars(query.order_by(open_first, Challenge.closes_at.desc(), Challenge.id.desc())
                                   .limit(limit)))


# --- applying (揭榜申报) --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TeamMember:
    name: str
    role: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class ApplicationData:
    plan: str
    team: tuple[TeamMember, ...]
    budget_fen: int | None
    schedule: tuple[str, ...]
    result_ids: tuple[int, ...] = ()


#: Where an application may still be changed by its organisation.
EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


def applicant_membership(user, challenge: Challenge):
    """The membership through which `user` may answer `challenge`, or a ChallengeError/NotAllowed
    saying why not: the issuer's own organisation, an ineligible kind or region, an unverified one."""
    user = _user(user)
    if user is None or not user.memberships:
        raise NotAllowed(_("Log in as a member of an organisation to apply."))
    membership = user.memberships[0]
    org = membership.organisation
    if org.id == challenge.organisation_id:
        raise ChallengeError(_("The issuer’s own organisation may not answer its challenge."))
    if challenge.verified_only and not org.is_verified:
        raise ChallengeError(_("Only verified organisations may apply; your organisation is not verified yet."))
    if org.kind.value not in challenge.eligible_kinds:
        raise ChallengeError(_("This challenge is open to %(kinds)s only.",
                               kinds="、".join(str(OrgKind(k).label) for k in challenge.eligible_kinds)))
    if challenge.eligible_regions and not any(region_matches(org.region_code, code)
                                              for code in challenge.eligible_regions):
        raise ChallengeError(_("This challenge is open to organisations from %(regions)s only.",
                               regions="、".join(taxonomy.region_label(c) for c in challenge.eligible_regions)))
    return membership


def own_application(user, challenge: Challenge) -> Application | None:
    user = _user(user)
    if user is None:
        return None
    org_ids = [m.organisation_id for m in user.memberships]
    return db.session.scalar(sa.select(Application).where(Application.challenge_id == challenge.id,
                                                          Application.organisation_id.in_(org_ids)))


def is_applicant(user, application: Application) -> bool:
    user = _user(user)
    return user is not None and any(m.organisation_id == application.organisation_id for m in user.memberships)


def can_view_application(user, application: Application) -> bool:
    """Its organisation always; once submitted, also the issuer's authorised members, operators and
    the experts assigned to it. Nobody else, whatever their role."""
    user = _user(user)
    if user is None:
        return False
    if is_applicant(user, application):
        return True
    if application.status is ApplicationStatus.DRAFT:
        return False
    return (user.is_operator or is_authorised(user, application.challenge)
            or expert_may_read(user, application))


def get_application(application_id: int, user) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or not can_view_application(user, application):
        raise NotFound()
    return application


def _require_applicant(user, application: Application) -> None:
    if not is_applicant(user, application):
        raise NotAllowed(_("Only the applying organisation may change its application."))


def _before_close(challenge: Challenge, now: dt.datetime) -> None:
    if challenge.state is not ChallengeState.PUBLISHED or now >= challenge.closes_at:
        raise ChallengeError(_("Applications closed on %(when)s (Beijing time).",
                               when=challenge.closes_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")))


def start_application(user, challenge: Challenge, *, now: dt.datetime | None = None) -> Application:
    """A draft for the user's organisation; one per organisation and challenge (a withdrawn one reopens)."""
    now = now or utcnow()
    if challenge.state is not ChallengeState.PUBLISHED:
        raise NotAllowed(_("This challenge is not open."))
    _before_close(challenge, now)
    membership = applicant_membership(user, challenge)
    existing = db.session.scalar(sa.select(Application).where(
        Application.challenge_id == challenge.id, Application.organisation_id == membership.organisation_id))
    if existing is not None:
        if existing.status is not ApplicationStatus.WITHDRAWN:
            raise ChallengeError(_("Your organisation already has an application for this challenge."))
        existing.status = ApplicationStatus.DRAFT
        audit.record(user, "challenge_application", existing.id, "reopened", to_status="draft")
        return existing
    application = Application(challenge_id=challenge.id, organisation_id=membership.organisation_id,
                              created_by_id=user.id, status=ApplicationStatus.DRAFT,
                              schedule=["" for _m in challenge.milestones])
    db.session.add(application)
    db.session.flush()  # assigns application.id for the audit row
    audit.record(user, "challenge_application", application.id, "created", to_status="draft")
    return application


def own_results(organisation_id: int) -> list:
    from_org = sa.select(Achievement).where(Achievement.organisation_id == organisation_id,
                                            Achievement.status.in_(LISTING_PUBLIC_STATES))
    return list(db.session.scalars(from_org.order_by(Achievement.id.desc()).limit(100)))


def update_application(user, application: Application, data: ApplicationData, *,
                       now: dt.datetime | None = None) -> None:
    _require_applicant(user, application)
    if application.status not in EDITABLE:
        raise ChallengeError(_("Only drafts and returned applications can be changed."))
    _before_close(application.challenge, now or utcnow())
    if len((data.plan or "").strip()) > 20000:
        raise ChallengeError(_("The technical plan is limited to 20,000 characters."))
    if len(data.team) > 30 or any(not m.name.strip() or not m.role.strip() for m in data.team):
        raise ChallengeError(_("Each team member needs a name and a role (at most 30 members)."))
    if data.budget_fen is not None and not 0 < data.budget_fen <= MAX_BOUNTY_FEN:
        raise ChallengeError(_("The budget must be more than zero and at most 1,000,000 万元."))
    if len(data.schedule) != len(application.challenge.milestones) or any(len(s) > 2000 for s in data.schedule):
        raise ChallengeError(_("Give one schedule entry per milestone (at most 2,000 characters each)."))
    allowed = {r.id for r in own_results(application.organisation_id)}
    if any(rid not in allowed for rid in data.result_ids):
        raise ChallengeError(_("Choose related results from your organisation’s published results."))
    application.plan = data.plan.strip()
    application.team = [dataclasses.asdict(m) for m in data.team]
    application.budget_fen = data.budget_fen
    application.schedule = [s.strip() for s in data.schedule]
    application.result_ids = sorted(set(data.result_ids))
    audit.record(user, "challenge_application", application.id, "updated")


def missing_parts(application: Application) -> list[str]:
    """What a complete application still lacks (submission is refused while anything is missing)."""
    missing = []
    if len(application.plan.strip()) < 20:
        missing.append(_("a technical plan of at least 20 characters"))
    if not application.team:
        missing.append(_("at least one team member with a role"))
    if not application.budget_fen:
        missing.append(_("a budget"))
    if len(application.schedule) != len(application.challenge.milestones) or not all(application.schedule):
        missing.append(_("a schedule entry for every milestone"))
    return missing


def submit_application(user, application: Application, *, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    _require_applicant(user, application)
    applicant_membership(user, application.challenge)  # still eligible (verification can be withdrawn)
    if application.status not in EDITABLE:
        raise ChallengeError(_("Only drafts and returned applications can be submitted."))
    challenge = application.challenge
    if now < challenge.opens_at:
        raise ChallengeError(_("Applications open on %(when)s (Beijing time).",
                               when=challenge.opens_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")))
    _before_close(challenge, now)
    missing = missing_parts(application)
    if missing:
        raise ChallengeError(_("The application is not complete: %(missing)s.", missing="; ".join(missing)))
    old = application.status
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_at = now
    audit.record(user, "challenge_application", application.id, "submitted", from_status=old.value,
                 to_status=application.status.value)


def withdraw_application(user, application: Application, *, now: dt.datetime | None = None) -> None:
    _require_applicant(user, application)
    if application.status is ApplicationStatus.WITHDRAWN:
        raise ChallengeError(_("This application is already withdrawn."))
    _before_close(application.challenge, now or utcnow())
    old = application.status
    application.status = ApplicationStatus.WITHDRAWN
    audit.record(user, "challenge_application", application.id, "withdrawn", from_status=old.value,
                 to_status=application.status.value)


def formal_check(operator, application: Application, complete: bool, reason: str | None) -> None:
    """形式审查: an operator marks a submitted application complete, or returns it with a reason."""
    if not getattr(operator, "is_operator", False):
        raise NotAllowed(_("Only operators carry out the formal check."))
    if application.status is not ApplicationStatus.SUBMITTED:
        raise ChallengeError(_("Only submitted applications await the formal check."))
    reason = (reason or "").strip()
    if not complete and not reason:
        raise ChallengeError(_("Tell the applicant what is missing."))
    old = application.status
    application.status = ApplicationStatus.COMPLETE if complete else ApplicationStatus.RETURNED
    application.return_reason = None if complete else reason[:2000]
    application.checked_at = utcnow()
    audit.record(operator, "challenge_application", application.id, "checked", from_status=old.value,
                 to_status=application.status.value, note=application.return_reason)


def reads_applications(user, challenge: Challenge) -> bool:
    """The list of a challenge's applications: its authorised members, operators, its panel."""
    user = _user(user)
    return user is not None and (user.is_operator or is_authorised(user, challenge)
                                 or _declared_member(user, challenge) is not None)


def applications_for(user, challenge: Challenge) -> list[Application]:
    """The applications of a challenge that `user` may read (never drafts, never other people's)."""
    rows = db.session.scalars(sa.select(Application).where(Application.challenge_id == challenge.id)
                              .order_by(Application.submitted_at, Application.id))
    return [a for a in rows if a.status is not ApplicationStatus.DRAFT and can_view_application(user, a)]


# --- expert review (专家评审) ---------------------------------------------------------------------

def expert_profile(user) -> ExpertProfile | None:
    user = _user(user)
    return db.session.scalar(sa.select(ExpertProfile).where(ExpertProfile.user_id == user.id)) if user else None


def save_expert_profile(operator, email: str, title: str, affiliation: str, fields: list[str]) -> ExpertProfile:
    """An operator adds a user account to the expert roster (or updates its profile)."""
    if not getattr(operator, "is_operator", False):
        raise NotAllowed(_("Only operators keep the expert roster."))
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        raise ChallengeError(_("No account has this e-mail address; the expert must register first."))
    _text(title, 1, 100, _("Title / position"))
    _text(affiliation, 1, 200, _("Affiliation"))
    if not fields or any(code not in taxonomy.fields() for code in fields):
        raise ChallengeError(_("Choose the technology fields the expert reviews."))
    profile = expert_profile(user) or ExpertProfile(user_id=user.id)
    profile.title, profile.affiliation, profile.fields = title.strip(), affiliation.strip(), sorted(set(fields))
    db.session.add(profile)
    db.session.flush()  # assigns profile.id for the audit row
    audit.record(operator, "expert_profile", profile.id, "updated", note=user.email)
    return profile


def roster() -> list[ExpertProfile]:
    return list(db.session.scalars(sa.select(ExpertProfile).order_by(ExpertProfile.id)))


def panel(challenge: Challenge) -> list[PanelMember]:
    return list(db.session.scalars(sa.select(PanelMember).where(PanelMember.challenge_id == challenge.id)
                                   .order_by(PanelMember.id)))


def panel_member(user, challenge: Challenge) -> PanelMember | None:
    user = _user(user)
    if user is None:
        return None
    return db.session.scalar(sa.select(PanelMember).where(PanelMember.challenge_id == challenge.id,
                                                          PanelMember.user_id == user.id))


def _declared_member(user, challenge: Challenge) -> PanelMember | None:
    member = panel_member(user, challenge)
    return member if member is not None and member.declared_at is not None else None


def add_to_panel(operator, challenge: Challenge, user_id: int) -> PanelMember:
    if not getattr(operator, "is_operator", False):
        raise NotAllowed(_("Only operators build review panels."))
    if challenge.state is not ChallengeState.PUBLISHED:
        raise ChallengeError(_("Panels are built for published challenges."))
    profile = db.session.scalar(sa.select(ExpertProfile).where(ExpertProfile.user_id == user_id))
    if profile is None:
        raise ChallengeError(_("Choose an expert from the roster."))
    if any(m.organisation_id == challenge.organisation_id for m in profile.user.memberships):
        raise ChallengeError(_("%(name)s belongs to the issuing organisation and cannot review its challenge.",
                               name=profile.user.name))
    if panel_member(profile.user, challenge) is not None:
        raise ChallengeError(_("%(name)s is already on the panel.", name=profile.user.name))
    member = PanelMember(challenge_id=challenge.id, user_id=user_id, added_by_id=operator.id)
    db.session.add(member)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(operator, "challenge", challenge.id, "panel_added", note=profile.user.name)
    return member


def remove_from_panel(operator, challenge: Challenge, member_id: int) -> None:
    if not getattr(operator, "is_operator", False):
        raise NotAllowed(_("Only operators build review panels."))
    member = db.session.get(PanelMember, member_id)
    if member is None or member.challenge_id != challenge.id:
        raise ChallengeError(_("No such panel member."))
    if db.session.scalar(sa.select(sa.func.count(Score.id)).join(Application).where(
            Application.challenge_id == challenge.id, Score.expert_id == member.user_id)):
        raise ChallengeError(_("%(name)s has scored already and stays on the panel.", name=member.user.name))
    db.session.delete(member)
    audit.record(operator, "challenge", challenge.id, "panel_removed", note=member.user.name)


def candidates(challenge: Challenge) -> list[Application]:
    """The applications the panel reviews: those that passed the formal check."""
    return list(db.session.scalars(sa.select(Application).where(
        Application.challenge_id == challenge.id, Application.status == ApplicationStatus.COMPLETE)
        .order_by(Application.id)))


def _applicants(challenge: Challenge) -> list[Application]:
    """Every organisation that applied (drafts and withdrawn applications aside), for the declaration."""
    return list(db.session.scalars(sa.select(Application).where(
        Application.challenge_id == challenge.id,
        Application.status.notin_((ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)))
        .order_by(Application.id)))


def conflict(user, member: PanelMember, application: Application) -> str | None:
    """Why the expert may not review this application, or None. Organisation membership is the
    system's own check; a declared recent collaboration is the expert's."""
    org_ids = {m.organisation_id for m in user.memberships}
    if application.organisation_id in org_ids:
        return _("same organisation as the applicant")
    if application.challenge.organisation_id in org_ids:
        return _("same organisation as the issuer")
    if application.organisation_id in (member.collaborations or []):
        return _("declared recent collaboration")
    return None


def review_open(challenge: Challenge, now: dt.datetime) -> bool:
    """Experts declare and score once the window has closed, while the challenge awaits selection."""
    return challenge.state is ChallengeState.PUBLISHED and now >= challenge.closes_at


def declaration_list(user, challenge: Challenge) -> list[Application]:
    """What an expert sees before declaring: the applicants' names only, never their content."""
    if panel_member(user, challenge) is None:
        raise NotAllowed(_("Only the challenge’s panel declares conflicts."))
    return _applicants(challenge)


def declare(user, challenge: Challenge, collaborations: list[int], note: str | None, *,
            now: dt.datetime | None = None) -> PanelMember:
    """The expert's conflict-of-interest declaration: ticks the applicants they recently worked with."""
    member = panel_member(user, challenge)
    if member is None:
        raise NotAllowed(_("Only the challenge’s panel declares conflicts."))
    now = now or utcnow()
    if not review_open(challenge, now):
        raise ChallengeError(_("The review starts when applications close."))
    if member.declared_at is not None:
        raise ChallengeError(_("You have declared already."))
    applicant_orgs = {a.organisation_id for a in _applicants(challenge)}
    if any(org_id not in applicant_orgs for org_id in collaborations):
        raise ChallengeError(_("Declare collaborations with applicants of this challenge only."))
    member.collaborations = sorted(set(collaborations))
    member.declaration_note = (note or "").strip()[:2000] or None
    member.declared_at = now
    audit.record(user, "challenge", challenge.id, "conflicts_declared",
                 data={"expert": user.id, "collaborations": member.collaborations})
    return member


def expert_may_read(user, application: Application) -> bool:
    """An assigned, declared expert reads the complete applications they are not conflicted on."""
    member = _declared_member(user, application.challenge)
    return (member is not None and application.status is ApplicationStatus.COMPLETE
            and conflict(user, member, application) is None)


def own_score(user, application: Application) -> Score | None:
    user = _user(user)
    if user is None:
        return None
    return db.session.scalar(sa.select(Score).where(Score.application_id == application.id,
                                                    Score.expert_id == user.id))


def submit_score(user, application: Application, points: list[int], comment: str, *,
                 now: dt.datetime | None = None) -> Score:
    """An expert scores an application: an integer within range for every criterion and a comment.
    A score is final once submitted (later revision belongs to a defence session with a reason)."""
    challenge = application.challenge
    member = panel_member(user, challenge)
    if member is None:
        raise NotAllowed(_("Only the challenge’s panel scores its applications."))
    now = now or utcnow()
    if not review_open(challenge, now):
        raise ChallengeError(_("Scoring opens when applications close and ends when the issuer selects."))
    if member.declared_at is None:
        raise ChallengeError(_("Declare your conflicts of interest first."))
    reason = conflict(user, member, application)
    if reason is not None:
        raise ChallengeError(_("You may not score this application: %(reason)s.", reason=reason))
    if application.status is not ApplicationStatus.COMPLETE:
        raise ChallengeError(_("Only applications that passed the formal check are scored."))
    if own_score(user, application) is not None:
        raise ChallengeError(_("You have scored this application already."))
    rubric = challenge.rubric
    if len(points) != len(rubric):
        raise ChallengeError(_("Score every criterion."))
    for criterion, value in zip(rubric, points, strict=True):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= criterion["max_score"]:
            raise ChallengeError(_("“%(name)s” is scored with a whole number from 0 to %(max)d.",
                                   name=criterion["name"], max=criterion["max_score"]))
    comment = (comment or "").strip()
    if not 1 <= len(comment) <= 4000:
        raise ChallengeError(_("Add a comment (at most 4,000 characters)."))
    score = Score(application_id=application.id, expert_id=user.id, points=list(points), comment=comment,
                  submitted_at=now)
    db.session.add(score)
    db.session.flush()  # write now: a second score from the same expert fails here, not at the commit
    audit.record(user, "challenge_application", application.id, "scored")
    return score


def visible_scores(user, application: Application) -> list[Score]:
    """Other experts' scores: operators see them; an expert only after submitting their own."""
    user = _user(user)
    if user is None:
        return []
    if not (user.is_operator or own_score(user, application) is not None):
        raise NotAllowed(_("Submit your own score before reading the other experts’."))
    return list(db.session.scalars(sa.select(Score).where(Score.application_id == application.id)
                                   .order_by(Score.submitted_at, Score.id)))


def ranking(challenge: Challenge) -> list[tuple[Application, scoring.Ranked]]:
    """The complete applications ranked by their aggregated score (unscored ones last, unranked)."""
    applications = {a.id: a for a in candidates(challenge)}
    rows = db.session.execute(sa.select(Score.application_id, Score.expert_id, Score.points)
                              .where(Score.application_id.in_(list(applications)))).all()
    ranked = scoring.rank(challenge.rubric, [tuple(r) for r in rows])
    return [(applications[r.application_id], r) for r in ranked]


def may_see_ranking(user, challenge: Challenge) -> bool:
    user = _user(user)
    return user is not None and (user.is_operator or is_authorised(user, challenge))


def expert_panels(user) -> list[PanelMember]:
    user = _user(user)
    if user is None:
        return []
    return list(db.session.scalars(sa.select(PanelMember).where(PanelMember.user_id == user.id)
                                   .order_by(PanelMember.id.desc())))


# --- attachments -------------------------------------------------------------------------------

#: What an application may carry: documents, spreadsheets, slides, scans and images, text.
ALLOWED_ATTACHMENTS = uploads.OFFICE_DOCUMENTS
MAX_ATTACHMENT_BYTES = uploads.MAX_BYTES
MAX_ATTACHMENTS = 10


def add_attachment(user, application: Application, filename: str, data: bytes, upload_dir: Path, *,
                   now: dt.datetime | None = None) -> Attachment:
    """The applicant attaches a file while the application can still be changed (type and size limited)."""
    _require_applicant(user, application)
    if application.status not in EDITABLE:
        raise ChallengeError(_("Only drafts and returned applications can be changed."))
    _before_close(application.challenge, now or utcnow())
    try:
        upload = uploads.accept(filename, data, ALLOWED_ATTACHMENTS, max_bytes=MAX_ATTACHMENT_BYTES,
                                types_message=_("Allowed files: PDF, Word, Excel, PowerPoint, PNG, JPEG and text."))
    except uploads.UploadRefused as exc:
        raise ChallengeError(str(exc)) from None
    if len(application.attachments) >= MAX_ATTACHMENTS:
        raise ChallengeError(_("An application carries at most %(n)d files.", n=MAX_ATTACHMENTS))
    attachment = Attachment(filename=upload.filename, stored_name=uploads.store(upload, upload_dir),
                            content_type=upload.content_type, size=len(data), sha256=upload.sha256,
                            uploaded_by_id=user.id)
    application.attachments.append(attachment)
    db.session.flush()  # write now: a broken constraint fails inside the service, not at the request's commit
    audit.record(user, "challenge_application", application.id, "attachment", note=upload.filename)
    return attachment


def remove_attachment(user, application: Application, attachment_id: int, *, now: dt.datetime | None = None) -> None:
    _require_applicant(user, application)
    if application.status not in EDITABLE:
        raise ChallengeError(_("Only drafts and returned applications can be changed."))
    _before_close(application.challenge, now or utcnow())
    attachment = next((a for a in application.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise ChallengeError(_("No such file."))
    application.attachments.remove(attachment)
    audit.record(user, "challenge_application", application.id, "attachment_removed", note=attachment.filename)


# --- defence (答辩) and score revisions ----------------------------------------------------------

def defence_slots(challenge: Challenge) -> list[DefenceSlot]:
    return list(db.session.scalars(sa.select(DefenceSlot).where(DefenceSlot.challenge_id == challenge.id)
                                   .order_by(DefenceSlot.starts_at)))


def schedule_defence(user, challenge: Challenge, application_id: int, starts_at: dt.datetime, minutes: int,
                     place: str, *, now: dt.datetime | None = None) -> DefenceSlot:
    """An operator or the issuer's authorised members give an applicant a defence slot: after the
    window closed, in the future, not overlapping another slot, one per application."""
    if not (getattr(user, "is_operator", False) or is_authorised(user, challenge)):
        raise NotAllowed(_("Only the issuer’s authorised members may do this."))
    now = now or utcnow()
    if not review_open(challenge, now):
        raise ChallengeError(_("Defence sessions are held after applications close and before the selection."))
    application = db.session.get(Application, application_id)
    if application is None or application.challenge_id != challenge.id \
            or application.status is not ApplicationStatus.COMPLETE:
        raise ChallengeError(_("Choose an application that passed the formal check."))
    if starts_at.tzinfo is None or starts_at <= now:
        raise ChallengeError(_("A defence slot starts in the future."))
    if not 10 <= minutes <= 240:
        raise ChallengeError(_("A defence slot lasts 10 to 240 minutes."))
    place = (place or "").strip()
    if not 1 <= len(place) <= 300:
        raise ChallengeError(_("Give the place or the online meeting link (at most 300 characters)."))
    slots = defence_slots(challenge)
    if any(s.application_id == application.id for s in slots):
        raise ChallengeError(_("This applicant has a defence slot already."))
    ends_at = starts_at + dt.timedelta(minutes=minutes)
    if any(s.starts_at < ends_at and starts_at < s.ends_at for s in slots):
        raise ChallengeError(_("The slot overlaps another applicant’s slot."))
    slot = DefenceSlot(challenge_id=challenge.id, application_id=application.id, starts_at=starts_at,
                       minutes=minutes, place=place)
    db.session.add(slot)
    db.session.flush()  # assigns slot.id for the audit row
    audit.record(user, "challenge", challenge.id, "defence_scheduled",
                 data={"application": application.id, "slot": slot.id})
    return slot


def can_see_defence(user, slot: DefenceSlot) -> bool:
    """The applicant, the panel, the issuer's authorised members and operators see a defence slot."""
    user = _user(user)
    challenge = slot.application.challenge
    return user is not None and (user.is_operator or is_authorised(user, challenge)
                                 or is_applicant(user, slot.application) or panel_member(user, challenge) is not None)


def revise_score(user, score: Score, points: list[int], comment: str, reason: str, *,
                 now: dt.datetime | None = None) -> ScoreRevision:
    """After the applicant's defence, an expert may revise their submitted score with a reason; the old
    values stay in the history."""
    if score.expert_id != getattr(user, "id", None):
        raise NotAllowed(_("Only the expert who scored may revise the score."))
    application = score.application
    now = now or utcnow()
    slot = db.session.scalar(sa.select(DefenceSlot).where(DefenceSlot.application_id == application.id))
    if slot is None or now < slot.ends_at:
        raise ChallengeError(_("Scores are revised after the applicant’s defence."))
    if not review_open(application.challenge, now):
        raise ChallengeError(_("Scoring opens when applications close and ends when the issuer selects."))
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= 2000:
        raise ChallengeError(_("Give the reason for the revision (5 to 2,000 characters)."))
    rubric = application.challenge.rubric
    if len(points) != len(rubric) or any(
            not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= c["max_score"]
            for c, v in zip(rubric, points, strict=False)):
        raise ChallengeError(_("Score every criterion with a whole number within its range."))
    comment = (comment or "").strip()
    if not 1 <= len(comment) <= 4000:
        raise ChallengeError(_("Add a comment (at most 4,000 characters)."))
    revision = ScoreRevision(old_points=list(score.points), new_points=list(points), old_comment=score.comment,
                             reason=reason, revised_at=now)
    score.revisions.append(revision)
    score.points, score.comment = list(points), comment
    db.session.flush()  # assigns revision.id for the audit row
    audit.record(user, "challenge_application", application.id, "score_revised",
                 data={"score": score.id, "revision": revision.id})
    return revision


def challenge_of_demand(demand, user) -> Challenge | None:
    """The newest challenge made from `demand` that `user` may see."""
    for challenge in db.session.scalars(sa.select(Challenge).where(Challenge.demand_id == demand.id)
                                        .order_by(Challenge.id.desc()).limit(5)):
        if can_view(user, challenge):
            return challenge
    return None


def may_issue_from(user, demand) -> bool:
    """`user` may publish a challenge from `demand`: a member of its organisation who publishes challenges."""
    membership = issuer_membership(user)
    return membership is not None and membership.organisation_id == demand.organisation_id
