"""Reaching people: likely applicants suggested by the matching engine (with the why) whom the issuer or
an operator invites, and reminders — before the application window closes, before milestones fall due,
to experts with applications still to score. Notifications go through alerts (with e-mail where SMTP is
set); `flask challenges remind` runs the reminders from cron and may run as often as wanted."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from search.documents import ACHIEVEMENT, Filters, MatchQuery
from tt_platform.accounts.models import Organisation, OrgKind
from tt_platform.alerts import services as alerts
from tt_platform.audit import models as audit
from tt_platform.challenges import services
from tt_platform.challenges.models import (
    Application,
    ApplicationStatus,
    Challenge,
    ChallengeState,
    Milestone,
    MilestoneStatus,
    PanelMember,
)
from tt_platform.database import CHINA, db, utcnow
from tt_platform.indexing import registry
from tt_platform.matching import services as matching
from tt_platform.money import format_wan
from tt_platform.security import NotAllowed

KIND = "challenge"
#: Reminders: drafts this long before the window closes, milestones this long before they fall due.
CLOSING_SOON = dt.timedelta(days=3)
DUE_SOON = dt.timedelta(days=14)


def link(challenge_id: int) -> str:
    return url_for("challenges.detail", challenge_id=challenge_id, _external=True)


@dataclass
class Suggestion:
    organisation: Organisation
    score: float
    #: (result title, shared terms) for each of the organisation's results that matched
    reasons: list[tuple[str, list[str]]] = field(default_factory=list)
    invited: bool = False


def _eligible(challenge: Challenge, org: Organisation) -> bool:
    return (org.id != challenge.organisation_id and org.kind.value in challenge.eligible_kinds
            and (org.is_verified or not challenge.verified_only)
            and (not challenge.eligible_regions
                 or any(services.region_matches(org.region_code, c) for c in challenge.eligible_regions)))


def suggest(challenge: Challenge, limit: int = 10) -> list[Suggestion]:
    """Organisations whose published results match the challenge (its title, goal and indicators in
    its field), best first, eligible ones only, with the matching results and shared terms as the why.
    Raises BackendUnavailable when the search engine is down."""
    text = "\n".join([challenge.goal, *(f"{i['name']} {i['target']}" for i in challenge.indicators)])
    query = MatchQuery(title=challenge.title, text=text, field_code=challenge.field_code,
                       target_kind=ACHIEVEMENT, filters=Filters(kind=ACHIEVEMENT))
    found = matching.match_demand_text(query, limit=60)
    rows = registry.rows(ACHIEVEMENT, [m.doc_id for m in found])
    by_org: dict[int, Suggestion] = {}
    for match in found:
        result = rows.get(match.doc_id)
        if result is None or not _eligible(challenge, result.organisation):
            continue
        suggestion = by_org.setdefault(result.organisation_id, Suggestion(result.organisation, 0.0))
        suggestion.score = max(suggestion.score, match.score)
        if len(suggestion.reasons) < 3:
            suggestion.reasons.append((result.title, list(match.shared_terms[:5])))
    invited = set(invited_organisations(challenge))
    ranked = sorted(by_org.values(), key=lambda s: (-s.score, s.organisation.id))[:limit]
    for suggestion in ranked:
        suggestion.invited = suggestion.organisation.id in invited
    return ranked


def invited_organisations(challenge: Challenge) -> list[int]:
    return [e.data["organisation"] for e in audit.trail("challenge", challenge.id)
            if e.action == "invited" and e.data and "organisation" in e.data]


def invite(user, challenge: Challenge, organisation_id: int) -> int:
    """The issuer's authorised members or an operator invite an organisation to apply: a notification
    (and an e-mail) to each of its members. Once per organisation. Returns how many were told."""
    if not (services.is_authorised(user, challenge) or getattr(user, "is_operator", False)):
        raise NotAllowed(_("Only the issuer’s authorised members may do this."))
    if challenge.state is not ChallengeState.PUBLISHED or utcnow() >= challenge.closes_at:
        raise services.ChallengeError(_("Invitations are sent while the challenge takes applications."))
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.kind is OrgKind.OPERATOR or not _eligible(challenge, org):
        raise services.ChallengeError(_("This organisation may not apply to the challenge."))
    if organisation_id in invited_organisations(challenge):
        raise services.ChallengeError(_("%(org)s has been invited already.", org=org.name))
    message = _("You are invited to apply to the challenge “%(title)s” (bounty %(bounty)s, applications close "
                "%(when)s).", title=challenge.title, bounty=format_wan(challenge.bounty_fen),
                when=challenge.closes_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))
    told = sum(alerts.notify(m.user, KIND, challenge.id, message, mail_subject=_("Invitation to a challenge"))
               for m in org.memberships)
    audit.record(user, "challenge", challenge.id, "invited", note=org.name, data={"organisation": org.id})
    return told


def tell_panel_member(member: PanelMember) -> bool:
    """An expert put on a panel hears of it at once — a notification and an e-mail, in the expert's own
    language — rather than only from the reminder once applications close. True when it was new."""
    challenge, expert = member.challenge, member.user
    with force_locale(expert.locale or current_app.config["DEFAULT_LOCALE"]):
        message = _("You are on the review panel of the challenge “%(title)s”. Applications close %(when)s "
                    "(Beijing time); declare any conflict of interest, then score the applications that passed "
                    "the formal check.", title=challenge.title,
                    when=challenge.closes_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))
        subject = _("You are on a review panel")
    return alerts.notify(expert, KIND, challenge.id, message, mail_subject=subject)


# --- reminders ---------------------------------------------------------------------------------

@dataclass
class ReminderReport:
    closing: int = 0
    milestones: int = 0
    experts: int = 0


def remind(now: dt.datetime | None = None) -> ReminderReport:
    """Every reminder due at `now`, each at most once per person (idempotent); the caller commits."""
    if not has_request_context():  # cron: links in e-mails are built against the public address
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            return remind(now)
    now = now or utcnow()
    report = ReminderReport()
    closing = db.session.scalars(sa.select(Application).join(Challenge).where(
        Challenge.state == ChallengeState.PUBLISHED, Challenge.closes_at > now,
        Challenge.closes_at <= now + CLOSING_SOON,
        Application.status.in_((ApplicationStatus.DRAFT, ApplicationStatus.RETURNED))))
    for application in closing:
        challenge = application.challenge
        message = _("Your application to “%(title)s” is not submitted; applications close %(when)s (Beijing "
                    "time).", title=challenge.title,
                    when=challenge.closes_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))
        report.closing += sum(alerts.notify(m.user, KIND, challenge.id, message,
                                            mail_subject=_("Applications close soon"))
                              for m in application.organisation.memberships)
    today = now.astimezone(CHINA).date()
    due = db.session.scalars(sa.select(Milestone).join(Application).join(Challenge).where(
        Challenge.state == ChallengeState.IMPLEMENTING, Application.continues.is_(True),
        Milestone.status.in_((MilestoneStatus.PENDING, MilestoneStatus.REJECTED)),
        Milestone.due_on <= today + DUE_SOON))
    for milestone in due:
        challenge = milestone.application.challenge
        message = _("Milestone “%(milestone)s” of “%(title)s” falls due on %(day)s.", milestone=milestone.title,
                    title=challenge.title, day=milestone.due_on.isoformat())
        report.milestones += sum(alerts.notify(m.user, KIND, challenge.id, message,
                                               mail_subject=_("A milestone falls due"))
                                 for m in milestone.application.organisation.memberships)
    panels = db.session.scalars(sa.select(PanelMember).join(Challenge).where(
        Challenge.state == ChallengeState.PUBLISHED, Challenge.closes_at <= now))
    for member in panels:
        challenge = member.challenge
        if member.declared_at is None:
            todo = len(services.candidates(challenge))
        else:
            todo = sum(1 for a in services.candidates(challenge)
                       if services.conflict(member.user, member, a) is None and services.own_score(member.user, a)
                       is None)
        if todo:
            message = _("“%(title)s”: %(n)d application(s) await your score.", title=challenge.title, n=todo)
            report.experts += alerts.notify(member.user, KIND, challenge.id, message,
                                            mail_subject=_("Applications await your score"))
    return report
