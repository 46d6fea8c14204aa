"""Follows, saved searches and the in-app notifications they produce."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import User
from tt_platform.database import UTCDateTime, db, utcnow


class Subscription(db.Model):
    """A user follows a listing (new matches for it) or saves a search (new listings it finds)."""

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: 'follow' or 'search'
    kind: Mapped[str] = mapped_column(sa.String(10))
    #: follow: the followed listing's entity type and id
    listing_type: Mapped[str | None] = mapped_column(sa.String(20))
    listing_id: Mapped[int | None]
    #: search: the side searched ('demand' / 'achievement') and the list-page parameters
    search_kind: Mapped[str | None] = mapped_column(sa.String(20))
    query: Mapped[dict | None] = mapped_column(sa.JSON)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: listings published after this moment are new to the subscriber
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (sa.UniqueConstraint("subscription_id", "listing_type", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(sa.ForeignKey("subscription.id", ondelete="CASCADE"))
    listing_type: Mapped[str] = mapped_column(sa.String(20))
    listing_id: Mapped[int]
    #: what happened, in the subscriber's words at the time: "新匹配：…"
    message: Mapped[str] = mapped_column(sa.String(500))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
