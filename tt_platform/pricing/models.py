"""Valuation worksheets (估值工作表) saved to a research result."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import Organisation, User
from tt_platform.achievements.models import Achievement
from tt_platform.brokerage.models import Case
from tt_platform.database import UTCDateTime, db, utcnow

#: the approaches a chosen value may come from
METHODS = ("market", "income", "cost", "other")


class Worksheet(db.Model):
    """One valuation of a result by a seller or broker: the inputs of the three approaches (as decimal
    strings, exactly as typed), each approach's value in fen, and the value chosen with its reason."""

    __tablename__ = "valuation_worksheet"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievement.id", ondelete="CASCADE"), index=True)
    #: the organisation the author worked for when creating it (its members share the worksheet)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    #: the matchmaking case it is shared with (everyone who may see the case sees it), if any
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("matchmaking_case.id", ondelete="SET NULL"),
                                                index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: {"market": {...}, "income": {...}, "cost": {...}}: decimal strings in 万元 and percent
    inputs: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: each approach's result in fen (None where its inputs are missing)
    market_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    income_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    cost_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: the value the author chose, from which approach, and why
    chosen_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    chosen_method: Mapped[str | None] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    achievement: Mapped[Achievement] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    case: Mapped[Case | None] = relationship()
