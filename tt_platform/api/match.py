"""JSON API for matching: POST /api/v1/match/results takes a demand and returns ranked results."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from search.backends.base import BackendUnavailable
from search.documents import ACHIEVEMENT, Filters, MatchQuery
from tt_platform import taxonomy
from tt_platform.extensions import csrf, limiter
from tt_platform.listings import services as listings
from tt_platform.matching import services
from tt_platform.security import PUBLIC, permission
from tt_platform.web import rate_limit_key

bp = Blueprint("api_match", __name__, url_prefix="/api/v1/match")
MODE_BY_NAME = {v: k for k, v in taxonomy.COOPERATION_MODES.items()}
FIELD_BY_NAME = {v: k for k, v in taxonomy.fields().items()}
PROVINCE_BY_NAME = {name: code for code, name in taxonomy.province_choices()}


def _match_limit() -> str:
    """Anonymous callers share a budget per address; a token (or a logged-in session) has its own."""
    if current_user.is_authenticated:
        return current_app.config["MATCH_RATE_LIMIT_TOKEN"]
    return current_app.config["MATCH_RATE_LIMIT_ANONYMOUS"]


#: One budget for both match calls (a stored listing's matches and a posted demand's).
match_limit = limiter.shared_limit(_match_limit, scope="api-match", key_func=rate_limit_key)


class BadDemand(ValueError):
    pass


def _text(value, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadDemand(_("“%(name)s” must be text.", name=name))
    if len(value) > limit:
        raise BadDemand(_("“%(name)s” is longer than %(n)d characters.", name=name, n=limit))
    return value


def match_query_from_json(data) -> MatchQuery:
    """A demand in the format of the matching benchmark (title, description, field, keywords, region,
    budget_wan, modes), or with codes (field_code, region_code, trl, modes as codes)."""
    if not isinstance(data, dict):
        raise BadDemand(_("Send a JSON object."))
    title = _text(data.get("title"), "title", 200)
    text = _text(data.get("description"), "description", 20000)
    if not (title.strip() or text.strip()):
        raise BadDemand(_("Give at least a title or a description."))
    keywords = data.get("keywords") or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords) or len(keywords) > 50:
        raise BadDemand(_("“keywords” must be a list of at most 50 strings."))
    if any(len(k) > 200 for k in keywords):
        raise BadDemand(_("A keyword is longer than %(n)d characters.", n=200))
    field_name = data.get("field")
    field_code = data.get("field_code") or (FIELD_BY_NAME.get(field_name, "?") if field_name else None)
    if field_code is not None and field_code not in taxonomy.fields():
        raise BadDemand(_("Unknown technology field."))
    region_code = data.get("region_code") or PROVINCE_BY_NAME.get(data.get("region") or "")
    modes = data.get("modes") or []
    if not isinstance(modes, list):
        raise BadDemand(_("“modes” must be a list."))
    mode_codes = tuple(m if m in taxonomy.COOPERATION_MODES else MODE_BY_NAME.get(m, "") for m in modes)
    budget = data.get("budget_wan")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int | float) or budget < 0):
        raise BadDemand(_("“budget_wan” must be a non-negative number."))
    trl = data.get("trl")
    if trl is not None and (not isinstance(trl, int) or isinstance(trl, bool) or not 1 <= trl <= 9):
        raise BadDemand(_("TRL must be between 1 and 9."))
    return MatchQuery(
        title=title, text=text, keywords=tuple(keywords), field_code=field_code,
        region_code=region_code if region_code in taxonomy.regions() else None, trl=trl,
        modes=tuple(m for m in mode_codes if m), amount_high=float(budget) if budget is not None else None,
        target_kind=ACHIEVEMENT, filters=Filters(kind=ACHIEVEMENT),
    )


def _match_json(m) -> dict:
    return {
        "id": m.doc_id, "external_ref": m.listing.external_ref if m.listing else None,
        "title": m.listing.title if m.listing else None, "score": round(m.score, 6),
        "text_score": round(m.text_score, 6), "shared_terms": m.shared_terms,
        "components": [{"key": c.key, "score": round(c.score, 6), "detail": c.detail} for c in m.components],
    }


@bp.route("/<kind>/<int:listing_id>")
@permission(PUBLIC)
@match_limit
def for_listing(kind: str, listing_id: int):
    """Matches for a stored listing: results for a demand (`demand`), demands for a result (`result`)."""
    model = services.LISTING_KINDS.get(kind)
    if model is None:
        return jsonify(error=_("Unknown kind of listing."), status=404), 404
    listing = listings.get_visible(model, listing_id, current_user)
    try:
        limit = max(1, min(int(request.args.get("limit", 20)), 100))
        rows = services.matches_for(listing, limit=limit)
    except ValueError:
        return jsonify(error=_("The request could not be understood."), status=400), 400
    except BackendUnavailable:
        return jsonify(error=_("Matching is temporarily unavailable. Please try again later."), status=503), 503
    return jsonify(ranking=[_match_json(row.match) for row in rows])


@bp.route("/results", methods=["POST"])
@permission(PUBLIC)
@csrf.exempt  # read-only: it changes nothing, so a forged request gains nothing
@match_limit
def results():
    if not request.is_json:
        return jsonify(error=_("Send the demand as application/json."), status=415), 415
    data = request.get_json(silent=True)
    try:
        mq = match_query_from_json(data)
        limit = int(request.args.get("limit", 100))
    except (BadDemand, ValueError) as exc:
        return jsonify(error=str(exc), status=400), 400
    try:
        matches = services.match_demand_text(mq, limit=max(1, min(limit, 100)))
    except BackendUnavailable:
        return jsonify(error=_("Matching is temporarily unavailable. Please try again later."), status=503), 503
    return jsonify(ranking=[_match_json(m) for m in matches])
