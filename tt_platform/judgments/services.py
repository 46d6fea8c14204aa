"""Grades of suggested listings, the installation's qrels, and evaluation snapshots. Services flush,
never commit.

Who grades: operators, brokers, and members of the organisation that owns the listing whose match
page it is. A grade given by a member of the suggested listing's own organisation (a seller grading its
own result into others' matches) is kept and shown back to them, but never measured or trained on.
"""
from __future__ import annotations

from collections import defaultdict
from statistics import median_low

import sqlalchemy as sa
from flask_babel import gettext as _

from search.documents import doc_id
from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import User
from tt_platform.audit import models as audit
from tt_platform.database import db
from tt_platform.judgments import signals
from tt_platform.judgments.models import GRADES, MatchEvaluation, MatchGrade
from tt_platform.listings import services as listings
from tt_platform.security import NotAllowed

MAX_REASON = 500


class GradeError(Exception):
    """A grade that cannot be recorded; a message for the user."""


def may_grade(user, listing) -> bool:
    """Whether `user` may grade the suggestions on `listing`'s match page."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_operator or accounts.broker_membership(user) is not None or listings.is_owner(user, listing)


def grade(user: User, listing, target, value: int, reason: str | None) -> MatchGrade:
    """Record (or change) `user`'s grade of `target` as a suggestion for `listing`."""
    if not may_grade(user, listing):
        raise NotAllowed(_("Brokers, operators and the listing's owners grade its suggestions."))
    if value not in GRADES:
        raise GradeError(_("Choose a grade from 3 (highly relevant) to 0 (not relevant)."))
    if target.entity_type == listing.entity_type and target.id == listing.id:
        raise GradeError(_("A listing is not a suggestion for itself."))
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON:
        raise GradeError(_("A reason has at most %(n)d characters.", n=MAX_REASON))
    query_doc, target_doc = doc_id(listing.entity_type, listing.id), doc_id(target.entity_type, target.id)
    found = db.session.scalar(sa.select(MatchGrade).where(MatchGrade.user_id == user.id,
                                                          MatchGrade.query_doc == query_doc,
                                                          MatchGrade.target_doc == target_doc))
    if found is None:
        found = MatchGrade(user_id=user.id, query_doc=query_doc, target_doc=target_doc)
        db.session.add(found)
    found.grade, found.reason = value, reason
    found.field_code = listing.field_code
    found.own_target = any(m.organisation_id == target.organisation_id for m in user.memberships)
    db.session.flush()
    audit.record(user, "match_grade", found.id, "graded", data={"query": query_doc, "target": target_doc,
                                                                "grade": value})
    return found


def grades_by(user, listing) -> dict[str, MatchGrade]:
    """`user`'s grades on `listing`'s page, by suggested document id (shown back to the grader)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    query_doc = doc_id(listing.entity_type, listing.id)
    return {g.target_doc: g for g in db.session.scalars(
        sa.select(MatchGrade).where(MatchGrade.user_id == user.id, MatchGrade.query_doc == query_doc))}


def all_grades(viewer, listing) -> dict[str, list[MatchGrade]]:
    """Every grade given on `listing`'s page, by suggested document id: for operators only (a person's
    grade is visible to them and to operators, never to other graders)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_operator:
        return {}
    query_doc = doc_id(listing.entity_type, listing.id)
    out: dict[str, list[MatchGrade]] = defaultdict(list)
    for found in db.session.scalars(sa.select(MatchGrade).where(MatchGrade.query_doc == query_doc)
                                    .order_by(MatchGrade.updated_at)):
        out[found.target_doc].append(found)
    return dict(out)


def qrels(*, implicit: bool = True) -> dict[str, dict[str, int]]:
    """The installation's judgments: per query listing, per suggested listing, the median grade of the
    people who graded it (the lower middle one for an even count), leaving out grades by the suggested
    listing's own organisation; with `implicit`, pairs nobody graded get the grade their recorded
    actions read as (see signals.py)."""
    graded: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for query_doc, target_doc, value in db.session.execute(
            sa.select(MatchGrade.query_doc, MatchGrade.target_doc, MatchGrade.grade)
            .where(MatchGrade.own_target.is_(False)).order_by(MatchGrade.query_doc, MatchGrade.target_doc)):
        graded[query_doc][target_doc].append(value)
    judged = {query: {target: median_low(values) for target, values in targets.items()}
              for query, targets in graded.items()}
    if implicit:
        for query, targets in signals.implicit().items():
            for target, value in targets.items():
                judged.setdefault(query, {}).setdefault(target, value)
    return judged


def query_fields() -> dict[str, str | None]:
    """The 技术领域 of each judged query listing (the latest grade's)."""
    return dict(db.session.execute(sa.select(MatchGrade.query_doc, MatchGrade.field_code)
                                   .where(MatchGrade.own_target.is_(False)).order_by(MatchGrade.updated_at)).all())


def record_evaluation(scores, judgments: int, by_field: dict) -> MatchEvaluation:
    snapshot = MatchEvaluation(queries=scores.queries, judgments=judgments, ndcg10=scores.ndcg10,
                               recall50=scores.recall50, mrr10=scores.mrr10, unjudged10=scores.unjudged10,
                               by_field=by_field)
    db.session.add(snapshot)
    db.session.flush()
    return snapshot


def evaluations(limit: int = 50) -> list[MatchEvaluation]:
    return db.session.scalars(sa.select(MatchEvaluation).order_by(MatchEvaluation.id.desc()).limit(limit)).all()
