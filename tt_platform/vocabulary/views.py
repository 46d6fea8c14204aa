"""The operators' page for the related-term table (under /matches/terms, where it has always been)."""
from __future__ import annotations

import contextlib

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from search.backends.base import BackendUnavailable
from tt_platform.database import db, parse_id
from tt_platform.indexing.engine import get_backend
from tt_platform.security import OPERATOR, permission
from tt_platform.vocabulary import services as terms
from tt_platform.vocabulary.models import TermProposal

bp = Blueprint("vocabulary", __name__, url_prefix="/matches")


@bp.route("/terms", methods=["GET", "POST"])
@permission(OPERATOR)
def terms_table():
    """Operators edit the related-term table; each save is a new version, older ones stay readable."""
    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            version = terms.save(current_user, text, request.form.get("note", ""))
        except terms.TermTableError as exc:
            flash(str(exc), "danger")
            current = text
        else:
            db.session.commit()
            _tell_the_engine()
            flash(_("Saved as version %(v)d. Run “flask search rebuild” after large changes so that indexed "
                    "texts are segmented with the new terms.", v=version.version), "success")
            return redirect(url_for("vocabulary.terms_table"))
    else:
        shown = parse_id(request.args.get("version"))
        row = terms.version(shown) if shown else terms.latest()
        current = row.text if row else terms.default_text()
    return render_template("vocabulary/terms.html", text=current, versions=terms.versions(),
                           proposals=terms.pending_proposals())


@bp.route("/terms/proposals/<int:proposal_id>", methods=["POST"])
@permission(OPERATOR)
def decide_proposal(proposal_id: int):
    """Accept a proposed pair (it joins a new version of the table) or reject it."""
    proposal = db.session.get(TermProposal, proposal_id)
    if proposal is None:
        abort(404)
    accept = request.form.get("decision") == "accept"
    try:
        version = terms.decide(current_user, proposal, accept)
    except terms.TermTableError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        db.session.commit()
        if version is not None:
            _tell_the_engine()
            flash(_("Accepted: %(a)s / %(b)s are related terms from version %(v)d on.", a=proposal.term_a,
                    b=proposal.term_b, v=version.version), "success")
        else:
            flash(_("Rejected: %(a)s / %(b)s.", a=proposal.term_a, b=proposal.term_b), "success")
    return redirect(url_for("vocabulary.terms_table"))


def _tell_the_engine() -> None:
    """An engine that keeps its own copy of the table (Elasticsearch's synonyms set) gets the new one."""
    with contextlib.suppress(BackendUnavailable):  # the next rebuild pushes the table again
        get_backend().use_synonyms(terms.current_table())
