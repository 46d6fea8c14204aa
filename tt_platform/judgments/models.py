"""A person's grade of one suggested listing for one listing, and the evaluations computed from grades."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tt_platform.accounts.models import User
from tt_platform.database import UTCDateTime, db, utcnow

#: grade → label, as the match page offers them (the scale of ../shared/bench: 3 … 0)
GRADES = {3: _l("Highly relevant"), 2: _l("Relevant"), 1: _l("Partly relevant"), 0: _l("Not relevant")}


class MatchGrade(db.Model):
    """One grade per person and pair (query listing → suggested listing), changeable."""

    __tablename__ = "match_grade"
    __table_args__ = (sa.UniqueConstraint("user_id", "query_doc", "target_doc"),
                      sa.Index("ix_match_grade_query", "query_doc"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    #: search document ids ('demand:12', 'achievement:5'): the listing whose page it is, the suggestion
    query_doc: Mapped[str] = mapped_column(sa.String(40))
    target_doc: Mapped[str] = mapped_column(sa.String(40))
    grade: Mapped[int] = mapped_column(sa.SmallInteger)
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: the grader belongs to the suggested listing's organisation: kept, never used to measure or train
    own_target: Mapped[bool] = mapped_column(default=False)
    #: the query listing's 技术领域 when graded (for the per-field figures)
    field_code: Mapped[str | None] = mapped_column(sa.String(10))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship()


class MatchEvaluation(db.Model):
    """The current ranking scored on the installation's judgments (`flask match evaluate`)."""

    __tablename__ = "match_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    queries: Mapped[int] = mapped_column(sa.Integer)
    judgments: Mapped[int] = mapped_column(sa.Integer)
    ndcg10: Mapped[float] = mapped_column(sa.Float)
    recall50: Mapped[float | None] = mapped_column(sa.Float)
    mrr10: Mapped[float | None] = mapped_column(sa.Float)
    unjudged10: Mapped[float] = mapped_column(sa.Float)
    #: 技术领域 code → {"queries", "ndcg10", "recall50", "mrr10"}
    by_field: Mapped[dict] = mapped_column(sa.JSON, default=dict)
