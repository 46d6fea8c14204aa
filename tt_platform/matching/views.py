"""Match pages: results for a demand, demands for a result, similar listings — each with reasons."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from search.backends.base import BackendUnavailable
from tt_platform.achievements.models import Achievement
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.matching import services
from tt_platform.security import OPERATOR, PUBLIC, permission

bp = Blueprint("matching", __name__, url_prefix="/matches")
KINDS = {"demand": Demand, "result": Achievement}


@bp.route("/<kind>/<int:listing_id>")
@permission(PUBLIC)
def for_listing(kind: str, listing_id: int):
    model = KINDS.get(kind)
    if model is None:
        abort(404)
    listing = listings.get_visible(model, listing_id, current_user)
    try:
        rows = services.matches_for(listing, limit=20)
        similar = services.matches_for(listing, same_side=True, limit=6)
        available = True
    except BackendUnavailable:
        rows, similar, available = [], [], False
    return render_template("matching/matches.html", listing=listing, kind=kind, rows=rows, similar=similar,
                           available=available)


@bp.route("/terms", methods=["GET", "POST"])
@permission(OPERATOR)
def terms_table():
    """Operators edit the related-term table; each save is a new version, older ones stay readable."""
    import sqlalchemy as sa
    from flask import flash, redirect, request, url_for
    from flask_babel import gettext as _

    from tt_platform.database import db
    from tt_platform.matching import terms
    from tt_platform.matching.models import TermTableVersion

    if request.method == "POST":
        text = request.form.get("text", "")
        try:
            version = terms.save(current_user, text, request.form.get("note", ""))
        except terms.TermTableError as exc:
            flash(str(exc), "danger")
            current = text
        else:
            db.session.commit()
            _push_to_elasticsearch()
            flash(_("Saved as version %(v)d. Run “flask search rebuild” after large changes so that indexed "
                    "texts are segmented with the new terms.", v=version.version), "success")
            return redirect(url_for("matching.terms_table"))
    else:
        shown = request.args.get("version", type=int)
        row = (db.session.scalar(sa.select(TermTableVersion).where(TermTableVersion.version == shown))
               if shown else terms.latest())
        current = row.text if row else terms.default_text()
    versions = db.session.scalars(sa.select(TermTableVersion).order_by(TermTableVersion.version.desc())
                                  .limit(100)).all()
    return render_template("matching/terms.html", text=current, versions=versions)


def _push_to_elasticsearch() -> None:
    """Elasticsearch reads the table from its synonyms set: update it (search-time, no reindex)."""
    from tt_platform.indexing.engine import get_backend
    from tt_platform.matching import terms

    try:
        backend = get_backend()
        if backend.name == "elasticsearch":
            backend.synonyms = terms.current_table()
            backend.put_synonyms()
    except BackendUnavailable:
        pass  # the next rebuild pushes the table again
