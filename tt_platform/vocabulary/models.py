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


class TermProposal(db.Model):
    """A related-term pair proposed from people's grades (`flask match propose-terms`), waiting for an
    operator; accepting it adds the pair to a new version of the table."""

    __tablename__ = "term_proposal"
    __table_args__ = (sa.UniqueConstraint("term_a", "term_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the judged listing's word, and the relevant suggestion's word it lacked
    term_a: Mapped[str] = mapped_column(sa.String(30))
    term_b: Mapped[str] = mapped_column(sa.String(30))
    support: Mapped[int]
    against: Mapped[int] = mapped_column(default=0)
    #: up to three (listing, suggestion) document ids behind it
    examples: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(10), default="proposed")  #: proposed | accepted | rejected
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    #: the table version that took an accepted pair in
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("term_table_version.id", ondelete="SET NULL"))
