"""Roadshows (路演, e.g. 科技成果直通车): an event where results are pitched to registered enterprises."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User, enum_column
from tt_platform.database import UTCDateTime, db, utcnow


class Roadshow(db.Model):
    __tablename__ = "roadshow"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    theme: Mapped[str] = mapped_column(sa.Text)
    field_code: Mapped[str | None] = mapped_column(sa.String(3))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str | None] = mapped_column(sa.String(200))
    online_url: Mapped[str | None] = mapped_column(sa.String(300))
    capacity: Mapped[int]
    organiser_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    registration_opens_on: Mapped[dt.date]
    registration_closes_on: Mapped[dt.date]
    requires_approval: Mapped[bool] = mapped_column(default=False)
    is_published: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_demo: Mapped[bool] = mapped_column(default=False)

    organiser: Mapped[Organisation] = relationship()
    slots: Mapped[list[AgendaSlot]] = relationship(back_populates="roadshow", cascade="all, delete-orphan",
                                                   order_by="AgendaSlot.position")
    registrations: Mapped[list[Registration]] = relationship(back_populates="roadshow", cascade="all, delete-orphan",
                                                             order_by="Registration.id")


class AgendaSlot(db.Model):
    """One pitched result: its place in the agenda, time and presenter."""

    __tablename__ = "roadshow_slot"
    __table_args__ = (sa.UniqueConstraint("roadshow_id", "achievement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshow.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(default=15)
    presenter: Mapped[str] = mapped_column(sa.String(100))
    #: why the platform suggested it (which registered demands it answers), kept for the organiser
    reason: Mapped[str | None] = mapped_column(sa.Text)

    roadshow: Mapped[Roadshow] = relationship(back_populates="slots")
    achievement = relationship("Achievement")


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(REGISTRATION_LABELS[self])


REGISTRATION_LABELS = {
    RegistrationStatus.PENDING: _l("Awaiting approval"), RegistrationStatus.APPROVED: _l("Confirmed"),
    RegistrationStatus.DECLINED: _l("Declined"), RegistrationStatus.CANCELLED: _l("Cancelled"),
}


class Registration(db.Model):
    __tablename__ = "roadshow_registration"
    __table_args__ = (sa.UniqueConstraint("roadshow_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roadshow_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshow.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    attendees: Mapped[int] = mapped_column(default=1)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    roadshow: Mapped[Roadshow] = relationship(back_populates="registrations")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship()
    intentions: Mapped[list[Intention]] = relationship(back_populates="registration", cascade="all, delete-orphan")


INTENTION_LEVELS = {"strong": _l("Ready to negotiate"), "interested": _l("Interested, wants details")}


class Intention(db.Model):
    """After the event: an enterprise's interest in one pitched result; it can become a case."""

    __tablename__ = "roadshow_intention"
    __table_args__ = (sa.UniqueConstraint("registration_id", "achievement_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("roadshow_registration.id", ondelete="CASCADE"),
                                                 index=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str | None] = mapped_column(sa.Text)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matchmaking_case.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="intentions")
    achievement = relationship("Achievement")
