"""Match pages: results for a demand, demands for a result, similar listings — each with reasons, and
the grades that brokers, operators and the listing's owners give the suggestions."""
from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from search.backends.base import BackendUnavailable
from search.documents import split_doc_id
from tt_platform.database import db
from tt_platform.extensions import limiter
from tt_platform.indexing import registry
from tt_platform.judgments import services as judgments
from tt_platform.judgments.forms import GradeForm
from tt_platform.judgments.models import GRADES
from tt_platform.listings import services as listings
from tt_platform.matching import explain, services
from tt_platform.security import LOGIN, OPERATOR, PUBLIC, NotAllowed, permission
from tt_platform.web import rate_limit_key

bp = Blueprint("matching", __name__, url_prefix="/matches")
#: the learned model's features, as its explanation names them
FEATURE_LABELS = {"words_rank": _l("rank by words"), "bigrams_rank": _l("rank by character pairs"),
                  "dense_rank": _l("rank by meaning (e5)"), "words_score": _l("word score"),
                  "bigrams_score": _l("character-pair score"), "dense_score": _l("meaning score"),
                  "fused": _l("fused text score"), "field": _l("same technology field"),
                  "maturity": _l("maturity fit"), "price": _l("price within budget"), "modes": _l("cooperation modes"),
                  "region": _l("same province"), "freshness": _l("freshness"), "no_vector": _l("no vector yet")}
KINDS = services.LISTING_KINDS


def _page_limit() -> str:
    if current_user.is_authenticated:
        return current_app.config["MATCH_PAGE_RATE_LIMIT"]
    return current_app.config["MATCH_PAGE_RATE_LIMIT_ANONYMOUS"]


#: Each match page runs the whole pipeline, like a match API call: a budget per account (per address for
#: visitors), above it the 429 page saying when to come back (TT_MATCH_PAGE_RATE_LIMIT*).
page_limit = limiter.shared_limit(_page_limit, scope="match-pages", key_func=rate_limit_key)


def _listing(kind: str, listing_id: int):
    model = KINDS.get(kind)
    if model is None:
        abort(404)
    return listings.get_visible(model, listing_id, current_user)


@bp.route("/<kind>/<int:listing_id>")
@permission(PUBLIC)
@page_limit
def for_listing(kind: str, listing_id: int):
    listing = _listing(kind, listing_id)
    try:
        page = services.match_page(listing, limit=20, similar_limit=6)
        rows, similar, available, model, page_key = page.rows, page.similar, True, page.learned, page.key
    except BackendUnavailable:
        rows, similar, available, model, page_key = [], [], False, None, None
    can_grade = judgments.may_grade(current_user, listing)
    return render_template("matching/matches.html", listing=listing, kind=kind, rows=rows, similar=similar,
                           available=available, can_grade=can_grade, grade_labels=GRADES, learned=model,
                           feature_labels=FEATURE_LABELS, page_key=page_key, reasons=explain.reasons,
                           grades=judgments.grades_by(current_user, listing) if can_grade else {},
                           everyone=judgments.all_grades(current_user, listing))


@bp.route("/<kind>/<int:listing_id>/grade", methods=["POST"])
@permission(LOGIN)
def grade(kind: str, listing_id: int):
    """A grade of one suggestion on this page (one per person and pair; a second one changes it)."""
    listing = _listing(kind, listing_id)
    form = GradeForm()
    target = None
    if form.validate_on_submit():
        try:
            target_kind, target_id = split_doc_id(form.target.data)
        except ValueError:
            abort(404)
        model = registry.model(target_kind)
        target = db.session.get(model, target_id) if model is not None else None
        if target is None or not listings.can_view(current_user, target):
            abort(404)
        try:
            judgments.grade(current_user, listing, target, form.grade.data, form.reason.data)
        except NotAllowed:
            abort(403)
        except judgments.GradeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Grade saved: %(grade)s.", grade=GRADES[form.grade.data]), "success")
    else:
        flash(_("Choose a grade from 3 (highly relevant) to 0 (not relevant)."), "danger")
    back = re.fullmatch(r"case:(\d{1,12})", request.form.get("back", ""))
    if back:  # graded on a case page: back there (the case page checks who may see it)
        return redirect(url_for("brokerage.detail", case_id=int(back.group(1))))
    anchor = f"m-{form.target.data.replace(':', '-')}" if target is not None else None
    return redirect(url_for("matching.for_listing", kind=kind, listing_id=listing_id, _anchor=anchor))


@bp.route("/quality")
@permission(OPERATOR)
def quality():
    """How good matching is on this installation's own judgments: the evaluations over time, per 技术领域."""
    return render_template("judgments/quality.html", evaluations=judgments.evaluations())
