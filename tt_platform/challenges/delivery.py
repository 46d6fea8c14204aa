"""After the review: selection (择优 / 赛马, or 流榜), the notice period with objections (公示), task books
with milestones, progress reports, acceptance and payment records, final acceptance (验收) and the
technology contract it becomes. Services flush, never commit."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace

import sqlalchemy as sa
from flask_babel import gettext as _

from tt_platform.audit import models as audit
from tt_platform.challenges import services
from tt_platform.challenges.models import (
    Application,
    Challenge,
    ChallengeState,
    Milestone,
    MilestoneStatus,
    Objection,
    ObjectionStatus,
    Payment,
    SelectionMode,
)
from tt_platform.challenges.services import ChallengeError
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract
from tt_platform.database import CHINA, china_today, db, utcnow
from tt_platform.listings.documents import is_public
from tt_platform.money import format_wan
from tt_platform.security import NotAllowed

#: 公示期: how long a selection is on notice before the task books can start.
NOTICE = dt.timedelta(days=7)


def _require_issuer(user, challenge: Challenge) -> None:
    if not services.is_authorised(user, challenge):
        raise NotAllowed(_("Only the issuer’s authorised members may do this."))


def selected(challenge: Challenge) -> list[Application]:
    return list(db.session.scalars(sa.select(Application).where(
        Application.challenge_id == challenge.id, Application.selected.is_(True)).order_by(Application.id)))


# --- selection ---------------------------------------------------------------------------------

def select(user, challenge: Challenge, application_ids: list[int], justification: str | None, *,
           now: dt.datetime | None = None) -> list[Application]:
    """The issuer selects: 择优 exactly one, 赛马 one to N teams, from the applications that passed the
    formal check and were scored. Choosing other than the top of the ranking needs a written
    justification, which operators see on the challenge."""
    _require_issuer(user, challenge)
    now = now or utcnow()
    if challenge.state is not ChallengeState.PUBLISHED or now < challenge.closes_at:
        raise ChallengeError(_("Selection comes after applications close and before anything was selected."))
    ranking = [application for application, _r in services.ranking(challenge)]
    ranked_ids = [a.id for a in ranking]
    chosen = sorted(set(application_ids))
    if not chosen:
        raise ChallengeError(_("Choose the selected application(s), or end the challenge without a winner."))
    if any(i not in ranked_ids for i in chosen):
        raise ChallengeError(_("Only applications that passed the formal check and were scored can be selected."))
    if challenge.selection_mode is SelectionMode.MERIT and len(chosen) != 1:
        raise ChallengeError(_("择优 selects exactly one application."))
    if challenge.selection_mode is SelectionMode.RACE and len(chosen) > challenge.race_teams:
        raise ChallengeError(_("赛马 selects at most %(n)d teams.", n=challenge.race_teams))
    justification = (justification or "").strip()
    if set(chosen) != set(ranked_ids[:len(chosen)]) and len(justification) < 10:
        raise ChallengeError(_("You did not choose the top of the ranking: give a written justification "
                               "(at least 10 characters); operators will see it."))
    for application in ranking:
        application.selected = application.id in chosen
    challenge.state = ChallengeState.SELECTED
    challenge.selected_at = now
    challenge.notice_ends_at = now + NOTICE
    challenge.selection_justification = justification[:4000] or None
    audit.record(user, "challenge", challenge.id, "selected", from_status="published", to_status="selected",
                 note=justification[:2000] or None, data={"applications": chosen})
    return [a for a in ranking if a.selected]


def fail(user, challenge: Challenge, reason: str, *, now: dt.datetime | None = None) -> None:
    """流榜: no application qualifies; the challenge ends without a winner (and may be re-published)."""
    _require_issuer(user, challenge)
    now = now or utcnow()
    if challenge.state is not ChallengeState.PUBLISHED or now < challenge.closes_at:
        raise ChallengeError(_("A challenge ends without a winner only after applications close."))
    reason = (reason or "").strip()
    if not reason:
        raise ChallengeError(_("Say why no application qualifies."))
    challenge.state = ChallengeState.FAILED
    challenge.failure_reason = reason[:2000]
    audit.record(user, "challenge", challenge.id, "failed", from_status="published", to_status="failed",
                 note=challenge.failure_reason)


def republish(user, challenge: Challenge, *, now: dt.datetime | None = None) -> Challenge:
    """A 流榜 challenge as a new draft with the same content and a fresh window, for the issuer to adjust."""
    _require_issuer(user, challenge)
    if challenge.state is not ChallengeState.FAILED:
        raise ChallengeError(_("Only a challenge that ended without a winner is re-published."))
    now = (now or utcnow()).replace(microsecond=0)
    window = challenge.closes_at - challenge.opens_at
    data = services.ChallengeData(
        title=challenge.title, goal=challenge.goal, field_code=challenge.field_code,
        region_code=challenge.region_code, bounty_fen=challenge.bounty_fen,
        opens_at=now + dt.timedelta(days=1), closes_at=now + dt.timedelta(days=1) + window,
        indicators=tuple(services.Indicator(**i) for i in challenge.indicators),
        milestones=tuple(services.MilestoneTemplate(**m) for m in challenge.milestones),
        rubric=tuple(services.Criterion(**c) for c in challenge.rubric),
        eligible_kinds=tuple(challenge.eligible_kinds), eligible_regions=tuple(challenge.eligible_regions),
        verified_only=challenge.verified_only, selection_mode=challenge.selection_mode,
        race_teams=challenge.race_teams, demand_id=challenge.demand_id)
    copy = services.create(user, replace(data, demand_id=None))
    # the copy keeps the demand while that is still listed; past its date (the listing published with
    # the first 榜 expires when its applications close) the copy's approval lists it afresh
    if challenge.demand is not None and is_public(challenge.demand):
        copy.demand_id = challenge.demand_id
    audit.record(user, "challenge", challenge.id, "republished", data={"copy": copy.id})
    return copy


# --- 公示 and objections ------------------------------------------------------------------------

def on_notice(challenge: Challenge, now: dt.datetime) -> bool:
    return (challenge.state is ChallengeState.SELECTED and challenge.notice_ends_at is not None
            and now < challenge.notice_ends_at)


def objections(challenge: Challenge) -> list[Objection]:
    return list(db.session.scalars(sa.select(Objection).where(Objection.challenge_id == challenge.id)
                                   .order_by(Objection.id)))


def lodge_objection(user, challenge: Challenge, text: str, *, now: dt.datetime | None = None) -> Objection:
    """Anyone logged in may object to the result while it is on notice."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Log in to lodge an objection."))
    if not on_notice(challenge, now or utcnow()):
        raise ChallengeError(_("Objections are lodged during the notice period only."))
    text = (text or "").strip()
    if not 10 <= len(text) <= 4000:
        raise ChallengeError(_("Describe the objection in 10 to 4,000 characters."))
    objection = Objection(challenge_id=challenge.id, user_id=user.id, text=text)
    db.session.add(objection)
    db.session.flush()  # assigns objection.id for the audit row
    audit.record(user, "challenge", challenge.id, "objection", data={"objection": objection.id})
    return objection


def resolve_objection(operator, objection: Objection, uphold: bool, resolution: str) -> None:
    """An operator resolves an objection; upholding it sets the selection aside (the issuer selects again)."""
    if not getattr(operator, "is_operator", False):
        raise NotAllowed(_("Only operators resolve objections."))
    if objection.status is not ObjectionStatus.OPEN:
        raise ChallengeError(_("This objection is resolved already."))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ChallengeError(_("Give the resolution."))
    objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_by_id, objection.resolved_at = resolution[:4000], operator.id, utcnow()
    challenge = db.session.get(Challenge, objection.challenge_id)
    if uphold and challenge.state is ChallengeState.SELECTED:
        for application in selected(challenge):
            application.selected = False
        challenge.state = ChallengeState.PUBLISHED
        challenge.selected_at = challenge.notice_ends_at = challenge.selection_justification = None
    audit.record(operator, "challenge", challenge.id, "objection_resolved", to_status=objection.status.value,
                 note=resolution[:2000])


# --- task books ----------------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def split(total: int, shares: list[int]) -> list[int]:
    """`total` fen in whole-per-cent `shares`, exactly: the rounding remainder goes to the last part."""
    parts = [total * share // 100 for share in shares]
    parts[-1] += total - sum(parts)
    return parts


def _milestones(challenge: Challenge, application: Application, positions: range, amounts: list[int],
                start: dt.date) -> None:
    indicators = "；".join(f"{i['name']} {i['target']}" for i in challenge.indicators)
    for position, amount in zip(positions, amounts, strict=True):
        template = challenge.milestones[position]
        application.milestones.append(Milestone(
            position=position, title=template["title"], deliverable=template["deliverable"],
            indicators=indicators, share=template["share"], amount_fen=amount,
            due_on=add_months(start, template["months"])))


def start(user, challenge: Challenge, *, now: dt.datetime | None = None) -> None:
    """After the notice period, with no objection open, the task books start: 择优 — the winner gets every
    milestone of the template, each releasing its share of the bounty; 赛马 — every team gets the first
    stage, whose share is divided between them, and the stage gate decides who continues."""
    _require_issuer(user, challenge)
    now = now or utcnow()
    if challenge.state is not ChallengeState.SELECTED:
        raise ChallengeError(_("The task books start after a selection."))
    if on_notice(challenge, now):
        raise ChallengeError(_("The notice period ends on %(when)s (Beijing time).",
                               when=challenge.notice_ends_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")))
    if any(o.status is ObjectionStatus.OPEN for o in objections(challenge)):
        raise ChallengeError(_("An objection is still open; an operator resolves it first."))
    teams = selected(challenge)
    start_on = now.astimezone(CHINA).date()
    amounts = split(challenge.bounty_fen, [m["share"] for m in challenge.milestones])
    if challenge.selection_mode is SelectionMode.MERIT:
        _milestones(challenge, teams[0], range(len(amounts)), amounts, start_on)
    else:
        for team, first in zip(teams, _equal(amounts[0], len(teams)), strict=True):
            _milestones(challenge, team, range(1), [first], start_on)
    challenge.state = ChallengeState.IMPLEMENTING
    challenge.started_on = start_on
    db.session.flush()  # write the milestones now: a broken constraint fails here, not at the commit
    audit.record(user, "challenge", challenge.id, "started", from_status="selected", to_status="implementing")


def _equal(total: int, parts: int) -> list[int]:
    """`total` fen in `parts` equal parts, exactly (the first parts take the remainder, one fen each)."""
    base, remainder = divmod(total, parts)
    return [base + (1 if i < remainder else 0) for i in range(parts)]


def stage_gate(user, challenge: Challenge, application_id: int) -> Application:
    """赛马: once every team's first stage is accepted, the issuer picks the team that continues; it gets
    the remaining milestones with their shares of the bounty."""
    _require_issuer(user, challenge)
    if challenge.selection_mode is not SelectionMode.RACE or challenge.state is not ChallengeState.IMPLEMENTING:
        raise ChallengeError(_("The stage gate belongs to a 赛马 challenge in progress."))
    teams = selected(challenge)
    if any(len(t.milestones) > 1 or not t.continues for t in teams):
        raise ChallengeError(_("The stage gate has been passed already."))
    if any(m.status is not MilestoneStatus.ACCEPTED for t in teams for m in t.milestones):
        raise ChallengeError(_("Every team’s first stage must be accepted before the stage gate."))
    winner = next((t for t in teams if t.id == application_id), None)
    if winner is None:
        raise ChallengeError(_("Choose one of the teams of the first stage."))
    amounts = split(challenge.bounty_fen, [m["share"] for m in challenge.milestones])
    if len(amounts) > 1:
        _milestones(challenge, winner, range(1, len(amounts)), amounts[1:], challenge.started_on)
    for team in teams:
        team.continues = team.id == winner.id
    db.session.flush()  # write the milestones now: a broken constraint fails here, not at the commit
    audit.record(user, "challenge", challenge.id, "stage_gate", data={"continues": winner.id})
    return winner


def can_view_task_book(user, challenge: Challenge) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (user.is_operator or services.is_authorised(user, challenge) or any(
        services.is_applicant(user, a) for a in selected(challenge)))


def report(user, milestone: Milestone, text: str, evidence: str, *, now: dt.datetime | None = None) -> None:
    """The team reports progress on a milestone, with evidence; a rejected milestone is reported again."""
    if not services.is_applicant(user, milestone.application):
        raise NotAllowed(_("Only the team reports on its milestones."))
    if milestone.application.challenge.state is not ChallengeState.IMPLEMENTING:
        raise ChallengeError(_("The challenge is not in progress."))
    if milestone.status not in (MilestoneStatus.PENDING, MilestoneStatus.REJECTED):
        raise ChallengeError(_("This milestone is awaiting a decision or accepted already."))
    text, evidence = (text or "").strip(), (evidence or "").strip()
    if not 5 <= len(text) <= 10000:
        raise ChallengeError(_("Describe the progress in 5 to 10,000 characters."))
    if not 1 <= len(evidence) <= 4000:
        raise ChallengeError(_("Give the evidence: test reports, samples, documents (at most 4,000 characters)."))
    milestone.report, milestone.evidence, milestone.reported_at = text, evidence, now or utcnow()
    milestone.status = MilestoneStatus.SUBMITTED
    audit.record(user, "challenge_milestone", milestone.id, "reported", to_status="submitted")


def decide(user, milestone: Milestone, accept: bool, note: str | None) -> None:
    """The issuer accepts a reported milestone, or rejects it with reasons."""
    challenge = milestone.application.challenge
    _require_issuer(user, challenge)
    if milestone.status is not MilestoneStatus.SUBMITTED:
        raise ChallengeError(_("Only reported milestones are decided."))
    note = (note or "").strip()
    if not accept and not note:
        raise ChallengeError(_("Give the reasons for rejecting the milestone."))
    milestone.status = MilestoneStatus.ACCEPTED if accept else MilestoneStatus.REJECTED
    milestone.decision_note, milestone.decided_at = note[:4000] or None, utcnow()
    audit.record(user, "challenge_milestone", milestone.id, "decided", to_status=milestone.status.value,
                 note=milestone.decision_note)


def record_payment(user, milestone: Milestone, amount_fen: int, paid_on: dt.date, reference: str) -> Payment:
    """A payment the issuer made for an accepted milestone; never more than the milestone releases."""
    _require_issuer(user, milestone.application.challenge)
    if milestone.status is not MilestoneStatus.ACCEPTED:
        raise ChallengeError(_("Payments are recorded for accepted milestones."))
    if amount_fen <= 0:
        raise ChallengeError(_("The amount must be more than zero."))
    if milestone.paid_fen + amount_fen > milestone.amount_fen:
        raise ChallengeError(_("This milestone releases %(total)s; %(paid)s is recorded already.",
                               total=format_wan(milestone.amount_fen),
                               paid=format_wan(milestone.paid_fen)))
    if paid_on > china_today():
        raise ChallengeError(_("The payment date is in the future."))
    reference = (reference or "").strip()
    if not 1 <= len(reference) <= 100:
        raise ChallengeError(_("Give the payment reference (bank slip or voucher number, at most 100 characters)."))
    payment = Payment(amount_fen=amount_fen, paid_on=paid_on, reference=reference, recorded_by_id=user.id)
    milestone.payments.append(payment)
    db.session.flush()  # assigns payment.id for the audit row
    audit.record(user, "challenge_milestone", milestone.id, "payment", data={"payment": payment.id,
                                                                           "amount_fen": amount_fen})
    return payment


def delivering(challenge: Challenge) -> list[Application]:
    """The teams whose task books run to the end (赛马: the one the stage gate kept)."""
    return [a for a in selected(challenge) if a.continues]


def accept(user, challenge: Challenge) -> Contract:
    """验收: every milestone of the continuing team accepted, the challenge closes and the deal becomes
    a technology contract (技术开发 · 委托开发) drafted from the task book, buyer the issuer, seller the
    team, one line item per milestone; it then goes through the contracts' registration flow."""
    _require_issuer(user, challenge)
    if challenge.state is not ChallengeState.IMPLEMENTING:
        raise ChallengeError(_("Final acceptance comes when the task book is carried out."))
    teams = delivering(challenge)
    if len(teams) != 1 or len(teams[0].milestones) != len(challenge.milestones):
        raise ChallengeError(_("赛马: pass the stage gate first, so that one team carries the task book."))
    team = teams[0]
    if any(m.status is not MilestoneStatus.ACCEPTED for m in team.milestones):
        raise ChallengeError(_("Every milestone must be accepted before the final acceptance."))
    seller, buyer = team.organisation, challenge.organisation
    data = contracts.ContractData(
        name=f"{challenge.title}（揭榜挂帅）技术开发合同"[:200], subtype_code="DEV-01", field_code=challenge.field_code,
        payment_mode="instalments", signed_on=china_today(),
        seller_name=seller.name, seller_party_type=seller.party_type, seller_region_code=seller.region_code,
        buyer_name=buyer.name, buyer_party_type=buyer.party_type, buyer_region_code=buyer.region_code,
        seller_org_id=seller.id, buyer_org_id=buyer.id, demand_id=challenge.demand_id,
        valid_from=challenge.started_on, valid_until=max(m.due_on for m in team.milestones),
        items=tuple(contracts.ItemData(f"{m.title}：{m.deliverable}"[:200], m.amount_fen, True)
                    for m in team.milestones))
    try:
        contract = contracts.create(user, data)
    except contracts.ContractError as exc:
        raise ChallengeError(str(exc)) from exc
    challenge.contract_id = contract.id
    challenge.state = ChallengeState.ACCEPTED
    challenge.accepted_at = utcnow()
    audit.record(user, "challenge", challenge.id, "accepted", from_status="implementing", to_status="accepted",
                 data={"contract": contract.id})
    return contract
