"""Match pages: results for a demand, demands for a result, similar listings — each with reasons."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from search.backends.base import BackendUnavailable
from tt_platform.listings import services as listings
from tt_platform.matching import services
from tt_platform.security import PUBLIC, permission

bp = Blueprint("matching", __name__, url_prefix="/matches")
KINDS = services.LISTING_KINDS


@bp.route("/<kind>/<int:listing_id>")
@permission(PUBLIC)
def for_listing(kind: str, listing_id: int):
    model = KINDS.get(kind)
    if model is None:
        abort(404)
    listing = listings.get_visible(model, listing_id, current_user)
    try:
        page = services.match_page(listing, limit=20, similar_limit=6)
        rows, similar, available = page.rows, page.similar, True
    except BackendUnavailable:
        rows, similar, available = [], [], False
    return render_template("matching/matches.html", listing=listing, kind=kind, rows=rows, similar=similar,
                           available=available)
