"""The related-term (synonym) table, versioned: every save by an operator is a new version."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import User
from tt_platform.database import UTCDateTime, db, utcnow


class TermTableVersion(db.Model):
    __tablename__ = "term_table_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    #: one group of related terms per line, separated by commas
    text: Mapped[str] = mapped_column(sa.Text)
    groups: Mapped[int]
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()
