"""Matchmaking cases (对接): a broker works a demand and the results that could meet it, from the
first intention to a signed, registered and performed contract."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User, enum_column
from tt_platform.database import UTCDateTime, db, utcnow


class Stage(enum.StrEnum):
    INTENT = "intent"  #: 意向
    CONTACT = "contact"  #: 接洽
    NEGOTIATION = "negotiation"  #: 洽谈
    SIGNED = "signed"  #: 签约
    REGISTRATION = "registration"  #: 登记
    PERFORMANCE = "performance"  #: 履约
    TERMINATED = "terminated"  #: 终止

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self])


STAGE_LABELS = {
    Stage.INTENT: _l("Intention"), Stage.CONTACT: _l("First contact"), Stage.NEGOTIATION: _l("Negotiation"),
    Stage.SIGNED: _l("Signed"), Stage.REGISTRATION: _l("Contract registration"), Stage.PERFORMANCE: _l("Performance"),
    Stage.TERMINATED: _l("Terminated"),
}
PIPELINE = [s for s in Stage if s is not Stage.TERMINATED]

#: 终止 reasons (fixed list; text adds detail)
TERMINATION_REASONS = {
    "demand_withdrawn": "需求方撤回或暂缓需求",
    "no_fit": "技术方案不匹配",
    "price": "价格或支付方式未谈拢",
    "ip": "知识产权权属或风险问题",
    "unresponsive": "一方长期未回应",
    "other_partner": "已与其他单位合作",
    "policy": "政策或资质条件不满足",
    "other": "其他",
}

#: how the case came about
SOURCES = {"match": _l("From a match"), "request": _l("Requested by a party"), "roadshow": _l("From a roadshow")}

case_demand = sa.Table(
    "case_demand", db.metadata,
    sa.Column("case_id", sa.ForeignKey("matchmaking_case.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("demand_id", sa.ForeignKey("demand.id", ondelete="CASCADE"), primary_key=True, index=True),
)
case_result = sa.Table(
    "case_result", db.metadata,
    sa.Column("case_id", sa.ForeignKey("matchmaking_case.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("achievement_id", sa.ForeignKey("achievement.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Case(db.Model):
    __tablename__ = "matchmaking_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    #: None while the request waits in the agency's inbox
    broker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    stage: Mapped[Stage] = mapped_column(enum_column(Stage), default=Stage.INTENT)
    source: Mapped[str] = mapped_column(sa.String(10))
    #: what the requesting party wrote ("request a broker")
    request_message: Mapped[str | None] = mapped_column(sa.Text)
    termination_reason: Mapped[str | None] = mapped_column(sa.String(30))
    termination_note: Mapped[str | None] = mapped_column(sa.Text)
    roadshow_id: Mapped[int | None] = mapped_column(sa.ForeignKey("roadshow.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)

    agency: Mapped[Organisation] = relationship(foreign_keys=[agency_id])
    broker: Mapped[User | None] = relationship(foreign_keys=[broker_id])
    demands = relationship("Demand", secondary=case_demand, order_by="Demand.id")
    results = relationship("Achievement", secondary=case_result, order_by="Achievement.id")
    participants: Mapped[list[Participant]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                                           order_by="Participant.id")
    notes: Mapped[list[Note]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                             order_by="Note.id.desc()")
    tasks: Mapped[list[Task]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                             order_by="Task.due_on")
    documents: Mapped[list[Document]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                                     order_by="Document.id")


class Participant(db.Model):
    """An organisation (and optionally a person) taking part: its members see the case."""

    __tablename__ = "case_participant"
    __table_args__ = (sa.UniqueConstraint("case_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("matchmaking_case.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    #: 'demand' (需求方), 'supply' (供给方) or 'other'
    side: Mapped[str] = mapped_column(sa.String(10))
    contact_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()
    contact_user: Mapped[User | None] = relationship()


class Note(db.Model):
    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("matchmaking_case.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class Task(db.Model):
    __tablename__ = "case_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("matchmaking_case.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    due_on: Mapped[dt.date]
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="tasks")
    owner: Mapped[User] = relationship()


class Document(db.Model):
    """An uploaded file; the bytes live in the upload directory under `stored_name`."""

    __tablename__ = "case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("matchmaking_case.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="documents")
    uploaded_by: Mapped[User] = relationship()
