"""揭榜挂帅 challenges: a competition with a procedure, published on top of a demand.

A challenge's stored `state` is its lifecycle (review, then selection and delivery); what the public
sees (征集中, 评审中 …) is computed on read from the state and the application window, so no job has
to flip it when the window opens or closes."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User, enum_column
from tt_platform.database import UTCDateTime, db, utcnow

ENTITY = "challenge"


class ChallengeState(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  #: waiting for an operator's review
    RETURNED = "returned"  #: sent back to the issuer with a reason
    REJECTED = "rejected"
    PUBLISHED = "published"  #: on the 榜单; open, collecting or under review depending on the dates
    SELECTED = "selected"  #: 已揭榜: the issuer selected; the result is on notice (公示) for a while
    IMPLEMENTING = "implementing"  #: 实施中: task books signed, milestones running
    ACCEPTED = "accepted"  #: 已验收: final acceptance done, the contract drafted
    FAILED = "failed"  #: 流榜: nobody qualified

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])


STATE_LABELS = {
    ChallengeState.DRAFT: _l("Draft"),
    ChallengeState.PENDING: _l("Pending review"),
    ChallengeState.RETURNED: _l("Returned for changes"),
    ChallengeState.REJECTED: _l("Rejected"),
    ChallengeState.PUBLISHED: _l("Published"),
    ChallengeState.SELECTED: _l("Winner selected (已揭榜)"),
    ChallengeState.IMPLEMENTING: _l("In progress (实施中)"),
    ChallengeState.ACCEPTED: _l("Accepted (已验收)"),
    ChallengeState.FAILED: _l("No winner (流榜)"),
}

#: States in which anyone sees the challenge on the 榜单.
PUBLIC_STATES = (ChallengeState.PUBLISHED, ChallengeState.SELECTED, ChallengeState.IMPLEMENTING,
                 ChallengeState.ACCEPTED, ChallengeState.FAILED)


class Phase(enum.StrEnum):
    """What the public sees, computed from the state and the dates."""

    UPCOMING = "upcoming"  #: published, the window has not opened
    OPEN = "open"  #: 征集中
    REVIEWING = "reviewing"  #: 评审中: the window has closed
    AWARDED = "awarded"  #: 已揭榜 (公示 first)
    IMPLEMENTING = "implementing"  #: 实施中
    ACCEPTED = "accepted"  #: 已验收
    FAILED = "failed"  #: 流榜

    @property
    def label(self) -> str:
        return str(PHASE_LABELS[self])


PHASE_LABELS = {
    Phase.UPCOMING: _l("Opening soon"),
    Phase.OPEN: _l("Open for applications (征集中)"),
    Phase.REVIEWING: _l("Under review (评审中)"),
    Phase.AWARDED: _l("Winner selected (已揭榜)"),
    Phase.IMPLEMENTING: _l("In progress (实施中)"),
    Phase.ACCEPTED: _l("Accepted (已验收)"),
    Phase.FAILED: _l("No winner (流榜)"),
}


class SelectionMode(enum.StrEnum):
    MERIT = "merit"  #: 择优: one winner
    RACE = "race"  #: 赛马: up to N teams in parallel for a first stage, then one continues

    @property
    def label(self) -> str:
        return str(MODE_LABELS[self])


MODE_LABELS = {
    SelectionMode.MERIT: _l("Best applicant (择优): one winner"),
    SelectionMode.RACE: _l("Horse race (赛马): several teams in parallel, then one continues"),
}


class Challenge(db.Model):
    __tablename__ = "challenge"
    entity_type = ENTITY

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The demand the challenge was made from (an operator's bureau-run 榜 may have none).
    demand_id: Mapped[int | None] = mapped_column(sa.ForeignKey("demand.id", ondelete="SET NULL"), index=True)
    #: 发榜方: the organisation that publishes the 榜 and pays the bounty.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: 攻关目标
    goal: Mapped[str] = mapped_column(sa.Text)
    #: 技术指标: [{"name", "target", "verification"}]
    indicators: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    #: 技术领域 code T01–T11 and the issuer's region (6-digit code).
    field_code: Mapped[str] = mapped_column(sa.String(3), index=True)
    region_code: Mapped[str] = mapped_column(sa.String(6), index=True)
    #: 榜额 in fen (exact money; shown in 万元).
    bounty_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: 里程碑模板 with the bounty share each releases: [{"title", "deliverable", "share", "months"}];
    #: the shares (whole per cent) are the payment split and sum to 100.
    milestones: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    #: Application window, stored UTC, entered and shown in Beijing time.
    opens_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    #: Eligibility: organisation kinds (OrgKind values), regions (province or city codes; empty: anywhere).
    eligible_kinds: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    eligible_regions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    verified_only: Mapped[bool] = mapped_column(default=True)
    selection_mode: Mapped[SelectionMode] = mapped_column(enum_column(SelectionMode), default=SelectionMode.MERIT)
    #: 赛马: how many teams are funded in parallel for the first stage (2–10); 1 for 择优.
    race_teams: Mapped[int] = mapped_column(default=1)
    #: 评审细则: [{"name", "weight", "max_score"}], weights sum to 100.
    rubric: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    state: Mapped[ChallengeState] = mapped_column(enum_column(ChallengeState), default=ChallengeState.DRAFT,
                                                  index=True)
    #: The last reason an operator gave when returning or rejecting; shown to the issuer.
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: 择优/赛马 decision; operators see the justification when the top-ranked was not chosen.
    selected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    selection_justification: Mapped[str | None] = mapped_column(sa.Text)
    #: 公示 ends here (7 days after selection by default); objections are lodged until then.
    notice_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Why it ended as 流榜, and the re-published copy if any.
    failure_reason: Mapped[str | None] = mapped_column(sa.Text)
    started_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: The technology contract (技术开发 · 委托开发) drafted at final acceptance.
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contract.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    demand = relationship("Demand")

    def phase(self, now: dt.datetime) -> Phase | None:
        """The public status at `now`, or None while the challenge is not public."""
        later = {ChallengeState.FAILED: Phase.FAILED, ChallengeState.SELECTED: Phase.AWARDED,
                 ChallengeState.IMPLEMENTING: Phase.IMPLEMENTING, ChallengeState.ACCEPTED: Phase.ACCEPTED}
        if self.state in later:
            return later[self.state]
        if self.state is not ChallengeState.PUBLISHED:
            return None
        if now < self.opens_at:
            return Phase.UPCOMING
        if now < self.closes_at:
            return Phase.OPEN
        return Phase.REVIEWING

    def window_open(self, now: dt.datetime) -> bool:
        return self.state is ChallengeState.PUBLISHED and self.opens_at <= now < self.closes_at


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"  #: private to the applicant's organisation
    SUBMITTED = "submitted"  #: waiting for 形式审查
    RETURNED = "returned"  #: 形式审查 found it incomplete; fixable until the window closes
    COMPLETE = "complete"  #: passed 形式审查, goes to the experts
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(APPLICATION_LABELS[self])


APPLICATION_LABELS = {
    ApplicationStatus.DRAFT: _l("Draft"),
    ApplicationStatus.SUBMITTED: _l("Submitted, awaiting the formal check"),
    ApplicationStatus.RETURNED: _l("Returned by the formal check"),
    ApplicationStatus.COMPLETE: _l("Formal check passed"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
}


class Application(db.Model):
    """揭榜申报: one organisation's answer to a challenge (one per organisation and challenge)."""

    __tablename__ = "challenge_application"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus),
                                                      default=ApplicationStatus.DRAFT)
    #: 技术方案
    plan: Mapped[str] = mapped_column(sa.Text, default="")
    #: 团队: [{"name", "role", "title"}]
    team: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    #: The applicant's total budget for the work, fen (may exceed the bounty: co-funding).
    budget_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: 进度安排, one entry per milestone of the challenge's template, in its order.
    schedule: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: The applicant's own research results it builds on (achievement ids).
    result_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    #: Why the formal check returned it; shown to the applicant.
    return_reason: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Chosen by the issuer (择优: the winner; 赛马: one of the teams of the first stage).
    selected: Mapped[bool] = mapped_column(default=False)
    #: 赛马: False once the stage gate picked another team; the task book stops after the first stage.
    continues: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    challenge: Mapped[Challenge] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    milestones: Mapped[list[Milestone]] = relationship(back_populates="application", order_by="Milestone.position",
                                                      cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id", cascade="all, delete-orphan")


class ExpertProfile(db.Model):
    """An expert (评审专家) is a user account with this profile; operators keep the roster."""

    __tablename__ = "expert_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    #: 技术领域 codes the expert reviews.
    fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    #: 职称, e.g. 教授 / 正高级工程师.
    title: Mapped[str] = mapped_column(sa.String(100))
    #: Where the expert works, as shown on panels (conflicts are checked on memberships, not this text).
    affiliation: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class PanelMember(db.Model):
    """An expert on a challenge's review panel, with their conflict-of-interest declaration."""

    __tablename__ = "challenge_panel_member"
    __table_args__ = (sa.UniqueConstraint("challenge_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: When the expert declared their conflicts; applications stay hidden from them until then.
    declared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: Applicant organisations the expert declared a recent collaboration with (organisation ids).
    collaborations: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    declaration_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    challenge: Mapped[Challenge] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class Score(db.Model):
    """One expert's score of one application: an integer per rubric criterion and a comment."""

    __tablename__ = "challenge_score"
    __table_args__ = (sa.UniqueConstraint("application_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge_application.id", ondelete="CASCADE"),
                                                index=True)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: Points per criterion, in the rubric's order.
    points: Mapped[list[int]] = mapped_column(sa.JSON)
    comment: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()
    expert: Mapped[User] = relationship(lazy="joined")
    revisions: Mapped[list[ScoreRevision]] = relationship(order_by="ScoreRevision.id", cascade="all, delete-orphan")


class ObjectionStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  #: the selection is set aside; the issuer selects again
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return str(OBJECTION_LABELS[self])


OBJECTION_LABELS = {
    ObjectionStatus.OPEN: _l("Awaiting an operator"),
    ObjectionStatus.UPHELD: _l("Upheld: the selection was set aside"),
    ObjectionStatus.DISMISSED: _l("Dismissed"),
}


class Objection(db.Model):
    """An objection lodged during the notice period (公示期异议), resolved by an operator."""

    __tablename__ = "challenge_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[ObjectionStatus] = mapped_column(enum_column(ObjectionStatus), default=ObjectionStatus.OPEN)
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class MilestoneStatus(enum.StrEnum):
    PENDING = "pending"  #: work in progress, no report yet
    SUBMITTED = "submitted"  #: the team reported; the issuer decides
    ACCEPTED = "accepted"
    REJECTED = "rejected"  #: with reasons; the team may report again

    @property
    def label(self) -> str:
        return str(MILESTONE_LABELS[self])


MILESTONE_LABELS = {
    MilestoneStatus.PENDING: _l("In progress"),
    MilestoneStatus.SUBMITTED: _l("Reported, awaiting the issuer"),
    MilestoneStatus.ACCEPTED: _l("Accepted"),
    MilestoneStatus.REJECTED: _l("Rejected, to be reported again"),
}


class Milestone(db.Model):
    """A milestone of a selected team's task book (任务书), with the share of the bounty it releases."""

    __tablename__ = "challenge_milestone"
    __table_args__ = (sa.UniqueConstraint("application_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge_application.id", ondelete="CASCADE"),
                                                index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    deliverable: Mapped[str] = mapped_column(sa.Text)
    #: The challenge's technical indicators this milestone is checked against, as text.
    indicators: Mapped[str] = mapped_column(sa.Text, default="")
    share: Mapped[int]  #: per cent of the bounty
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    due_on: Mapped[dt.date]
    status: Mapped[MilestoneStatus] = mapped_column(enum_column(MilestoneStatus), default=MilestoneStatus.PENDING)
    report: Mapped[str | None] = mapped_column(sa.Text)
    evidence: Mapped[str | None] = mapped_column(sa.Text)
    reported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship(back_populates="milestones")
    payments: Mapped[list[Payment]] = relationship(back_populates="milestone", order_by="Payment.id",
                                                  cascade="all, delete-orphan")

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen for p in self.payments)


class Payment(db.Model):
    """A payment the issuer made for an accepted milestone (recorded here; the platform moves no money)."""

    __tablename__ = "challenge_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge_milestone.id", ondelete="CASCADE"), index=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    paid_on: Mapped[dt.date]
    reference: Mapped[str] = mapped_column(sa.String(100))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    milestone: Mapped[Milestone] = relationship(back_populates="payments")


class Attachment(db.Model):
    """A file attached to an application (plans, reports, certificates); the bytes live in the upload
    directory under `stored_name` and are always served as a download."""

    __tablename__ = "challenge_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge_application.id", ondelete="CASCADE"),
                                                index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DefenceSlot(db.Model):
    """答辩: an applicant's time slot before the panel; after it, experts may revise their scores."""

    __tablename__ = "challenge_defence_slot"
    __table_args__ = (sa.UniqueConstraint("application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge_application.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int]
    #: 地点 or an online meeting link
    place: Mapped[str] = mapped_column(sa.String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship()

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes)


class ScoreRevision(db.Model):
    """An expert's revision of a submitted score after the defence, with the reason and the old values."""

    __tablename__ = "challenge_score_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[int] = mapped_column(sa.ForeignKey("challenge_score.id", ondelete="CASCADE"), index=True)
    old_points: Mapped[list[int]] = mapped_column(sa.JSON)
    new_points: Mapped[list[int]] = mapped_column(sa.JSON)
    old_comment: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str] = mapped_column(sa.Text)
    revised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
