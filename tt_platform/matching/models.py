"""What matching remembers between requests: a summary per demand for the statistics funnel."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tt_platform.database import UTCDateTime, db, utcnow


class MatchSummary(db.Model):
    """How well the platform could answer a demand when last checked: the "matched" step of the
    statistics funnel. Refreshed by `flask match summarise` (cron) for new or changed demands."""

    __tablename__ = "match_summary"

    demand_id: Mapped[int] = mapped_column(sa.ForeignKey("demand.id", ondelete="CASCADE"), primary_key=True)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: results among the top ten that share technical terms with the demand
    matched_results: Mapped[int] = mapped_column(default=0)
    top_result_id: Mapped[int | None] = mapped_column(sa.ForeignKey("achievement.id", ondelete="SET NULL"))
