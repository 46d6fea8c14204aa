"""JSON API /api/v1 for contracts, registration, cases, roadshows, challenges, price notices, listings and
auctions with their bids (never a listing's confidential part) and statistics.

Same rules as the pages: every route declares its permission, object-level checks live in the
services. Authentication: the browser session (writes then need the CSRF token in `X-CSRFToken`) or
a personal API token (`Authorization: Bearer ttp_…`, created on /api/v1/tokens pages of the account).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform import money, taxonomy
from tt_platform.accounts.models import Organisation
from tt_platform.achievements.models import Achievement
from tt_platform.api.openapi import document
from tt_platform.brokerage import services as cases
from tt_platform.brokerage.models import Case, Stage
from tt_platform.challenges import delivery as challenge_delivery
from tt_platform.challenges import services as challenges
from tt_platform.challenges.models import Application as ChallengeApplication
from tt_platform.challenges.models import Challenge
from tt_platform.challenges.models import Phase as ChallengePhase
from tt_platform.challenges.models import Score as ChallengeScore
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import MAX_ID, china_today, db, parse_id, utcnow
from tt_platform.demands.models import Demand
from tt_platform.extensions import csrf
from tt_platform.listings import services as listings
from tt_platform.roadshows import services as roadshows
from tt_platform.roadshows.models import Roadshow
from tt_platform.security import LOGIN, OPERATOR, PUBLIC, Conflict, NotAllowed, NotFound, permission
from tt_platform.stats import services as stats
from tt_platform.stats.views import filter_from_args
from tt_platform.trading import auctions, pricelistings
from tt_platform.trading import confidential as trading
from tt_platform.trading import notices as price_notices

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # checked below for session-authenticated writes; token clients have no CSRF exposure


#: The largest integer a number in a body may be: the BIGINT columns' bound (amounts in fen and counts are
#: checked further by the services; above this the database driver would overflow first).
MAX_AMOUNT = 2**63 - 1


class BadRequest(ValueError):
    pass


@bp.before_request
def csrf_for_sessions():
    # Only a session can be ridden by a forged request: an anonymous write goes on to its permission
    # (401 with a message for a client that forgot its token), a token client has no CSRF exposure.
    if (request.method not in ("GET", "HEAD", "OPTIONS") and current_user.is_authenticated
            and not g.get("api_token_auth")):
        csrf.protect()


@bp.errorhandler(BadRequest)
@bp.errorhandler(contracts.ContractError)
@bp.errorhandler(cases.CaseError)
@bp.errorhandler(roadshows.RoadshowError)
@bp.errorhandler(trading.TradingError)
def bad_request(exc):
    db.session.rollback()
    return jsonify(error=str(exc), status=400), 400


@bp.errorhandler(Conflict)
def conflict(exc):
    """The object's state refuses the request (someone moved it first, it is closed, or this was done already):
    409, with the message saying where it stands; the request itself was fine and may be decided again."""
    db.session.rollback()
    return jsonify(error=str(exc), status=409), 409


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest(_("Send a JSON object (Content-Type: application/json)."))
    return data


def _int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_AMOUNT:
        raise BadRequest(_("“%(name)s” must be an integer.", name=name))
    return value


def _id(value, name: str) -> int:
    """An id from the body: 1 … MAX_ID (a larger number names no row and would overflow the driver)."""
    found = parse_id(value) if isinstance(value, int) else None
    if found is None:
        raise BadRequest(_("“%(name)s” must be an id (a whole number from 1 to %(max)d).", name=name, max=MAX_ID))
    return found


def _date(value, name: str, required: bool = True) -> dt.date | None:
    if value is None and not required:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadRequest(_("“%(name)s” must be a date like 2026-03-01.", name=name)) from None


def _str(data: dict, name: str, limit: int, required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise BadRequest(_("“%(name)s” must be text of at most %(n)d characters.", name=name, n=limit))
    if "\x00" in value:  # PostgreSQL text cannot hold it: refused here rather than failing at the write
        raise BadRequest(_("The text contains characters that cannot be stored (NUL)."))
    return value


def _page():
    try:
        page, size = int(request.args.get("page", 1)), int(request.args.get("per_page", 50))
    except ValueError:
        raise BadRequest(_("“page” and “per_page” must be integers.")) from None
    return max(1, min(page, MAX_ID)), max(1, min(size, 200))


# --- contracts ---------------------------------------------------------------------------------

def contract_json(c: Contract) -> dict:
    return {
        "id": c.id, "name": c.name, "type_code": c.type_code, "type": taxonomy.contract_types().get(c.type_code),
        "subtype_code": c.subtype_code, "subtype": taxonomy.subtype_short(c.subtype_code),
        "field_code": c.field_code, "ip_type": c.ip_type, "payment_mode": c.payment_mode,
        "signed_on": c.signed_on.isoformat(), "valid_from": c.valid_from and c.valid_from.isoformat(),
        "valid_until": c.valid_until and c.valid_until.isoformat(),
        "seller": {"organisation_id": c.seller_org_id, "name": c.seller_name, "party_type": c.seller_party_type,
                   "region_code": c.seller_region_code},
        "buyer": {"organisation_id": c.buyer_org_id, "name": c.buyer_name, "party_type": c.buyer_party_type,
                  "region_code": c.buyer_region_code},
        "items": [{"description": i.description, "amount_fen": i.amount_fen, "is_technical": i.is_technical}
                  for i in c.items],
        "total_fen": c.total_fen, "tech_fen": c.tech_fen,
        "total_wan": str(money.fen_to_wan(c.total_fen)), "tech_wan": str(money.fen_to_wan(c.tech_fen)),
        "demand_id": c.demand_id, "achievement_id": c.achievement_id, "case_id": c.case_id,
        "roadshow_id": c.roadshow_id, "broker_id": c.broker_id, "agency_id": c.agency_id,
        "status": c.status.value, "registration_number": c.registration_number,
        "registered_on": c.registered_on and c.registered_on.isoformat(), "office_id": c.office_id,
        "decision": {"code": c.decision_code, "note": c.decision_note} if c.decision_code else None,
        "cancelled_on": c.cancelled_on and c.cancelled_on.isoformat(), "change_request": c.change_request,
        "is_demo": c.is_demo,
    }


def _party(data: dict, side: str) -> tuple:
    party = data.get(side)
    if not isinstance(party, dict):
        raise BadRequest(_("“%(name)s” must be an object.", name=side))
    org_id = party.get("organisation_id")
    if org_id is not None:
        org = db.session.get(Organisation, _id(org_id, f"{side}.organisation_id"))
        if org is None:
            raise BadRequest(_("Unknown organisation."))
        return (org.id, *contracts.party_from_org(org))
    return (None, _str(party, "name", 200), _str(party, "party_type", 4), _str(party, "region_code", 6))


def _amount_fen(item: dict) -> int:
    if "amount_fen" in item:
        return _int(item["amount_fen"], "amount_fen")
    try:  # 元 as a decimal string, never a float
        raw = item.get("amount_yuan")
        if not isinstance(raw, str):
            raise ValueError("amount_yuan must be a string")
        yuan = Decimal(raw)
        return money.yuan_to_fen(yuan)
    except (InvalidOperation, ValueError):
        raise BadRequest(_("Give each item “amount_fen” (integer) or “amount_yuan” (a string like \"1234.56\").")) \
            from None


def _linked(model, value, name):
    if value is None:
        return None
    listing = db.session.get(model, _id(value, name))
    if listing is None or not listings.can_view(current_user, listing):
        raise BadRequest(_("Unknown or hidden listing: %(name)s.", name=name))
    return listing.id


def contract_data(data: dict) -> contracts.ContractData:
    items = data.get("items")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BadRequest(_("“items” must be a list of objects."))
    seller, buyer = _party(data, "seller"), _party(data, "buyer")
    case_id = roadshow_id = None
    if data.get("case_id") is not None:
        case = cases.get_visible(_id(data["case_id"], "case_id"), current_user)
        if case is None:
            raise BadRequest(_("Unknown or hidden case."))
        case_id, roadshow_id = case.id, case.roadshow_id
    return contracts.ContractData(
        name=_str(data, "name", 200), subtype_code=_str(data, "subtype_code", 6),
        field_code=_str(data, "field_code", 3), payment_mode=_str(data, "payment_mode", 20),
        signed_on=_date(data.get("signed_on"), "signed_on"),
        valid_from=_date(data.get("valid_from"), "valid_from", False),
        valid_until=_date(data.get("valid_until"), "valid_until", False), ip_type=_str(data, "ip_type", 30, False),
        seller_org_id=seller[0], seller_name=seller[1], seller_party_type=seller[2], seller_region_code=seller[3],
        buyer_org_id=buyer[0], buyer_name=buyer[1], buyer_party_type=buyer[2], buyer_region_code=buyer[3],
        items=tuple(contracts.ItemData(_str(i, "description", 200), _amount_fen(i), bool(i.get("is_technical", True)))
                    for i in items),
        demand_id=_linked(Demand, data.get("demand_id"), "demand_id"),
        achievement_id=_linked(Achievement, data.get("achievement_id"), "achievement_id"),
        case_id=case_id, roadshow_id=roadshow_id)


def _contract_or_404(contract_id: int) -> Contract:
    contract = contracts.get_visible(contract_id, current_user)
    if contract is None:
        abort(404)
    return contract


@bp.route("/contracts")
@permission(LOGIN)
def contract_list():
    page, size = _page()
    query = sa.select(Contract).where(contracts.visible_filter(current_user))
    status = request.args.get("status")
    if status in {s.value for s in ContractStatus}:
        query = query.where(Contract.status == ContractStatus(status))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Contract.id.desc()).offset((page - 1) * size).limit(size)).all()
    return jsonify(total=total, page=page, per_page=size, items=[contract_json(c) for c in rows])


@bp.route("/contracts", methods=["POST"])
@permission(LOGIN)
def contract_create():
    contract = contracts.create(current_user, contract_data(_body()))
    db.session.commit()
    return jsonify(contract_json(contract)), 201, {"Location": url_for("api.contract_get", contract_id=contract.id)}


@bp.route("/contracts/<int:contract_id>")
@permission(LOGIN)
def contract_get(contract_id: int):
    return jsonify(contract_json(_contract_or_404(contract_id)))


@bp.route("/contracts/<int:contract_id>", methods=["PUT"])
@permission(LOGIN)
def contract_update(contract_id: int):
    contract = _contract_or_404(contract_id)
    data = contract_data(_body())
    with db.session.no_autoflush:
        contracts.update(current_user, contract, data)
    db.session.commit()
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/submit", methods=["POST"])
@permission(LOGIN)
def contract_submit(contract_id: int):
    contract = _contract_or_404(contract_id)
    contracts.submit(current_user, contract)
    db.session.commit()
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/decision", methods=["POST"])
@permission(LOGIN)
def contract_decision(contract_id: int):
    contract = _contract_or_404(contract_id)
    data = _body()
    decision, reason, note = data.get("decision"), data.get("reason") or "", data.get("note") or ""
    if decision == "register":
        contracts.register(current_user, contract)
    elif decision == "return":
        contracts.return_for_correction(current_user, contract, reason, note)
    elif decision == "refuse":
        contracts.refuse(current_user, contract, reason, note)
    else:
        raise BadRequest(_("“decision” is one of register, return, refuse."))
    db.session.commit()
    return jsonify(contract_json(contract))


@bp.route("/contracts/<int:contract_id>/cancel", methods=["POST"])
@permission(LOGIN)
def contract_cancel(contract_id: int):
    contract = _contract_or_404(contract_id)
    contracts.cancel_registration(current_user, contract, _str(_body(), "note", 2000))
    db.session.commit()
    return jsonify(contract_json(contract))


@bp.route("/registrations")
@permission(LOGIN)
def registration_queue():
    if not current_user.is_registrar:
        raise NotAllowed(_("Only registrars have a registration queue."))
    return jsonify(items=[contract_json(c) for c in contracts.registrar_queue(current_user)])


# --- cases -------------------------------------------------------------------------------------

def case_json(c: Case, full: bool = False) -> dict:
    out = {"id": c.id, "title": c.title, "stage": c.stage.value, "source": c.source, "agency_id": c.agency_id,
           "broker_id": c.broker_id, "demand_ids": [d.id for d in c.demands],
           "result_ids": [r.id for r in c.results], "roadshow_id": c.roadshow_id,
           "termination_reason": c.termination_reason, "updated_at": c.updated_at.isoformat()}
    if full:
        out["participants"] = [{"organisation_id": p.organisation_id, "name": p.organisation.name, "side": p.side}
                               for p in c.participants]
        out["notes"] = [{"id": n.id, "author_id": n.author_id, "body": n.body, "created_at": n.created_at.isoformat()}
                        for n in c.notes]
        out["tasks"] = [{"id": t.id, "title": t.title, "due_on": t.due_on.isoformat(), "owner_id": t.owner_id,
                         "done": t.done_at is not None} for t in c.tasks]
        out["documents"] = [{"id": d.id, "filename": d.filename, "size": d.size, "sha256": d.sha256}
                            for d in c.documents]
    return out


def _case_or_404(case_id: int) -> Case:
    case = cases.get_visible(case_id, current_user)
    if case is None:
        abort(404)
    return case


@bp.route("/cases")
@permission(LOGIN)
def case_list():
    page, size = _page()
    query = sa.select(Case).where(cases.visible_filter(current_user))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Case.id.desc()).offset((page - 1) * size).limit(size)).all()
    return jsonify(total=total, page=page, per_page=size, items=[case_json(c) for c in rows])


@bp.route("/cases", methods=["POST"])
@permission(LOGIN)
def case_create():
    data = _body()
    demand_ids, result_ids = data.get("demand_ids") or [], data.get("result_ids") or []
    if not isinstance(demand_ids, list) or not isinstance(result_ids, list) or len(demand_ids) + len(result_ids) > 20:
        raise BadRequest(_("“demand_ids” and “result_ids” are lists of at most 20 ids."))
    demands = [db.session.get(Demand, _id(i, "demand_ids")) for i in demand_ids]
    results = [db.session.get(Achievement, _id(i, "result_ids")) for i in result_ids]
    if any(x is None for x in (*demands, *results)):
        raise BadRequest(_("Unknown listing."))
    case = cases.open_case(current_user, _str(data, "title", 200, False) or "", demands, results)
    db.session.commit()
    return jsonify(case_json(case, full=True)), 201


@bp.route("/cases/<int:case_id>")
@permission(LOGIN)
def case_get(case_id: int):
    return jsonify(case_json(_case_or_404(case_id), full=True))


@bp.route("/cases/<int:case_id>/stage", methods=["POST"])
@permission(LOGIN)
def case_stage(case_id: int):
    case, data = _case_or_404(case_id), _body()
    if data.get("stage") not in {s.value for s in Stage}:
        raise BadRequest(_("Choose a stage."))
    cases.set_stage(current_user, case, Stage(data["stage"]), data.get("reason"), data.get("note"))
    db.session.commit()
    return jsonify(case_json(case, full=True))


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@permission(LOGIN)
def case_note(case_id: int):
    case = _case_or_404(case_id)
    cases.add_note(current_user, case, _str(_body(), "body", 5000))
    db.session.commit()
    return jsonify(case_json(case, full=True)), 201


@bp.route("/cases/<int:case_id>/tasks", methods=["POST"])
@permission(LOGIN)
def case_task(case_id: int):
    case, data = _case_or_404(case_id), _body()
    cases.add_task(current_user, case, _str(data, "title", 200), _date(data.get("due_on"), "due_on"),
                   _id(data.get("owner_id", current_user.id), "owner_id"))
    db.session.commit()
    return jsonify(case_json(case, full=True)), 201


# --- roadshows ---------------------------------------------------------------------------------

def roadshow_json(r: Roadshow) -> dict:
    return {"id": r.id, "title": r.title, "theme": r.theme, "field_code": r.field_code,
            "starts_at": r.starts_at.isoformat(), "ends_at": r.ends_at.isoformat(), "venue": r.venue,
            "capacity": r.capacity, "seats_left": max(0, r.capacity - roadshows.seats_taken(r)),
            "organiser": {"id": r.organiser_id, "name": r.organiser.name},
            "registration_opens_on": r.registration_opens_on.isoformat(),
            "registration_closes_on": r.registration_closes_on.isoformat(), "requires_approval": r.requires_approval,
            "is_published": r.is_published,
            "agenda": [{"position": s.position, "achievement_id": s.achievement_id, "title": s.achievement.title,
                        "starts_at": s.starts_at.isoformat(), "minutes": s.minutes, "presenter": s.presenter}
                       for s in r.slots]}


def _roadshow_or_404(roadshow_id: int) -> Roadshow:
    roadshow = db.session.get(Roadshow, roadshow_id)
    if roadshow is None or not roadshows.can_view(current_user, roadshow):
        abort(404)
    return roadshow


@bp.route("/roadshows")
@permission(PUBLIC)
def roadshow_list():
    return jsonify(items=[roadshow_json(r) for r in roadshows.upcoming(current_user)])


@bp.route("/roadshows/<int:roadshow_id>")
@permission(PUBLIC)
def roadshow_get(roadshow_id: int):
    return jsonify(roadshow_json(_roadshow_or_404(roadshow_id)))


@bp.route("/roadshows/<int:roadshow_id>/registrations", methods=["POST"])
@permission(LOGIN)
def roadshow_register(roadshow_id: int):
    roadshow = _roadshow_or_404(roadshow_id)
    attendees = _int(_body().get("attendees", 1), "attendees")
    registration = roadshows.register(current_user, roadshow, attendees, china_today())
    db.session.commit()
    return jsonify(id=registration.id, status=registration.status.value, attendees=registration.attendees), 201


@bp.route("/roadshows/<int:roadshow_id>/report")
@permission(LOGIN)
def roadshow_report(roadshow_id: int):
    roadshow = _roadshow_or_404(roadshow_id)
    if not roadshows.can_manage(current_user, roadshow):
        raise NotAllowed(_("Only the organiser can do this."))
    return jsonify(roadshows.report(roadshow).__dict__)


# --- challenges (揭榜挂帅) ----------------------------------------------------------------------

def challenge_json(c: Challenge) -> dict:
    phase = c.phase(utcnow())
    return {"id": c.id, "title": c.title, "goal": c.goal, "field_code": c.field_code, "region_code": c.region_code,
            "issuer": {"id": c.organisation_id, "name": c.organisation.name}, "bounty_fen": c.bounty_fen,
            "bounty_wan": str(money.fen_to_wan(c.bounty_fen)), "state": c.state.value,
            "status": phase.value if phase else None, "opens_at": c.opens_at.isoformat(),
            "closes_at": c.closes_at.isoformat(), "selection_mode": c.selection_mode.value,
            "race_teams": c.race_teams, "indicators": c.indicators, "milestones": c.milestones, "rubric": c.rubric,
            "eligible_kinds": c.eligible_kinds, "eligible_regions": c.eligible_regions,
            "verified_only": c.verified_only, "demand_id": c.demand_id}


def application_json(a: ChallengeApplication) -> dict:
    return {"id": a.id, "challenge_id": a.challenge_id,
            "organisation": {"id": a.organisation_id, "name": a.organisation.name},
            "status": a.status.value, "plan": a.plan, "team": a.team, "budget_fen": a.budget_fen,
            "schedule": a.schedule, "result_ids": a.result_ids, "return_reason": a.return_reason,
            "submitted_at": a.submitted_at.isoformat() if a.submitted_at else None, "selected": a.selected}


def _challenge_or_404(challenge_id: int) -> Challenge:
    try:
        return challenges.get_visible(challenge_id, current_user)
    except NotFound:
        abort(404)


@bp.route("/challenges")
@permission(PUBLIC)
def challenge_list():
    status = request.args.get("status")
    field, province = request.args.get("field"), request.args.get("province")
    try:
        min_bounty_wan = min(int(request.args.get("min_bounty_wan") or 0), MAX_AMOUNT // 1_000_000)
    except ValueError:
        raise BadRequest(_("“%(name)s” must be an integer.", name="min_bounty_wan")) from None
    filters = challenges.BoardFilter(
        field_code=field if field in taxonomy.fields() else None,
        province=province if province in dict(taxonomy.province_choices()) else None,
        min_bounty_fen=min_bounty_wan * money.FEN_PER_WAN if min_bounty_wan > 0 else None,
        phase=ChallengePhase(status) if status in {p.value for p in ChallengePhase} else None)
    return jsonify(items=[challenge_json(c) for c in challenges.board(filters, utcnow())])


@bp.route("/challenges/<int:challenge_id>")
@permission(PUBLIC)
def challenge_get(challenge_id: int):
    return jsonify(challenge_json(_challenge_or_404(challenge_id)))


@bp.route("/challenges/applications")
@permission(LOGIN)
def challenge_own_applications():
    org_ids = [m.organisation_id for m in current_user.memberships]
    rows = db.session.scalars(sa.select(ChallengeApplication).where(ChallengeApplication.organisation_id.in_(org_ids))
                              .order_by(ChallengeApplication.id.desc()).limit(500))
    return jsonify(items=[application_json(a) for a in rows])


@bp.route("/challenges/applications/<int:application_id>")
@permission(LOGIN)
def challenge_application_get(application_id: int):
    try:
        return jsonify(application_json(challenges.get_application(application_id, current_user)))
    except NotFound:
        abort(404)


@bp.route("/challenges/scores")
@permission(LOGIN)
def challenge_own_scores():
    rows = db.session.scalars(sa.select(ChallengeScore).where(ChallengeScore.expert_id == current_user.id)
                              .order_by(ChallengeScore.id.desc()).limit(500))
    return jsonify(items=[{"id": s.id, "application_id": s.application_id,
                           "challenge_id": s.application.challenge_id, "points": s.points, "comment": s.comment,
                           "submitted_at": s.submitted_at.isoformat()} for s in rows])


@bp.route("/challenges/<int:challenge_id>/milestones")
@permission(LOGIN)
def challenge_milestones(challenge_id: int):
    challenge = _challenge_or_404(challenge_id)
    if not challenge_delivery.can_view_task_book(current_user, challenge):
        raise NotAllowed(_("Only the issuer’s authorised members may do this."))
    return jsonify(items=[{
        "id": m.id, "application_id": team.id, "organisation": team.organisation.name, "position": m.position,
        "title": m.title, "deliverable": m.deliverable, "share": m.share, "amount_fen": m.amount_fen,
        "due_on": m.due_on.isoformat(), "status": m.status.value, "paid_fen": m.paid_fen,
        "payments": [{"amount_fen": p.amount_fen, "paid_on": p.paid_on.isoformat(), "reference": p.reference}
                     for p in m.payments]}
        for team in challenge_delivery.selected(challenge) for m in team.milestones])


# --- statistics --------------------------------------------------------------------------------

def _row(r) -> dict:
    return {"key": r.key, "label": r.label, "count": r.count, "total_fen": r.total_fen, "tech_fen": r.tech_fen,
            "total_wan": str(money.fen_to_wan(r.total_fen)), "tech_wan": str(money.fen_to_wan(r.tech_fen))}


@bp.route("/stats/summary")
@permission(OPERATOR)
def stats_summary():
    f = filter_from_args(request.args)
    return jsonify(totals=_row(stats.totals(f)), tables=sorted(stats.TABLES),
                   funnel=[{"key": s.key, "label": s.label, "count": s.count, "rate": s.rate}
                           for s in stats.funnel(f)])


@bp.route("/stats/<name>")
@permission(OPERATOR)
def stats_table(name: str):
    build = stats.TABLES.get(name)
    if build is None:
        abort(404)
    table = build(filter_from_args(request.args))
    return jsonify(name=table.name, title=table.title, rows=[_row(r) for r in table.rows], totals=_row(table.totals))


@bp.route("/openapi.json")
@permission(PUBLIC)
def openapi():
    return jsonify(document(request.url_root.rstrip("/")))




# --- trading: 协议定价 notices and 挂牌交易 listings (public, as their boards) ---------------------------

def _party_ref(org) -> dict | None:
    return {"id": org.id, "name": org.name} if org is not None else None


def notice_json(notice) -> dict:
    return {"id": notice.id, "result": {"id": notice.achievement_id, "title": notice.achievement.title},
            "seller": _party_ref(notice.seller_org), "buyer": _party_ref(notice.buyer_org),
            "subtype_code": notice.subtype_code, "price_fen": notice.price_fen,
            "price_wan": str(money.fen_to_wan(notice.price_fen)), "notice_days": notice.notice_days,
            "starts_at": notice.starts_at.isoformat(), "ends_at": notice.ends_at.isoformat(),
            "last_day": price_notices.last_day(notice).isoformat(), "contact": notice.contact,
            "statement": notice.statement, "objections": len(notice.objections),
            "phase": price_notices.phase(notice)}


def listing_json(listing) -> dict:
    return {"id": listing.id, "result": {"id": listing.achievement_id, "title": listing.achievement.title},
            "seller": _party_ref(listing.seller_org), "subtype_code": listing.subtype_code,
            "price_fen": listing.price_fen, "price_wan": str(money.fen_to_wan(listing.price_fen)),
            "exclusive": listing.exclusive, "payment_mode": listing.payment_mode,
            "working_days": listing.working_days, "starts_at": listing.starts_at.isoformat(),
            "ends_at": listing.ends_at.isoformat(), "last_day": pricelistings.last_day(listing).isoformat(),
            "contact": listing.contact, "conditions": listing.conditions,
            "intending_buyers": len(listing.interests), "previous_id": listing.previous_id,
            "phase": pricelistings.phase(listing)}


def _trading_or_404(get, deal_id: int):
    try:
        return get(deal_id)
    except NotFound:
        abort(404)


@bp.route("/notices")
@permission(PUBLIC)
def notice_list():
    return jsonify(items=[notice_json(n) for n in price_notices.board(current=request.args.get("show") != "past")])


@bp.route("/notices/<int:notice_id>")
@permission(PUBLIC)
def notice_get(notice_id: int):
    return jsonify(notice_json(_trading_or_404(price_notices.get_notice, notice_id)))


@bp.route("/notices/<int:notice_id>/objections", methods=["POST"])
@permission(LOGIN)
def notice_object(notice_id: int):
    notice = _trading_or_404(price_notices.get_notice, notice_id)
    text = _body().get("text")
    if not isinstance(text, str):
        raise BadRequest(_("State the objection and its grounds (10 to 2,000 characters)."))
    objection = price_notices.object_to(current_user, notice, text)
    db.session.commit()
    return jsonify(id=objection.id, status=objection.status.value), 201


@bp.route("/listings")
@permission(PUBLIC)
def price_listing_list():
    return jsonify(items=[listing_json(item)
                          for item in pricelistings.board(current=request.args.get("show") != "past")])


@bp.route("/listings/<int:listing_id>")
@permission(PUBLIC)
def price_listing_get(listing_id: int):
    return jsonify(listing_json(_trading_or_404(pricelistings.get_listing, listing_id)))


@bp.route("/listings/<int:listing_id>/interest", methods=["POST"])
@permission(LOGIN)
def price_listing_interest(listing_id: int):
    listing = _trading_or_404(pricelistings.get_listing, listing_id)
    interest = pricelistings.register_interest(current_user, listing)
    db.session.commit()
    return jsonify(id=interest.id, organisation_id=interest.organisation_id), 201


# --- trading: 拍卖/竞价 auctions (public, bidders under pseudonyms) and bids by token ------------------

def auction_json(auction) -> dict:
    reserve = auction.reserve_fen if auction.reserve_shown else None
    return {"id": auction.id, "result": {"id": auction.achievement_id, "title": auction.achievement.title},
            "seller": _party_ref(auction.seller_org), "subtype_code": auction.subtype_code,
            "payment_mode": auction.payment_mode, "start_price_fen": auction.start_price_fen,
            "increment_fen": auction.increment_fen, "reserve_fen": reserve,
            "has_reserve": auction.reserve_fen is not None,
            "deposit_fen": auction.deposit_fen, "extension_minutes": auction.extension_minutes,
            "starts_at": auction.starts_at.isoformat(), "scheduled_end_at": auction.scheduled_end_at.isoformat(),
            "ends_at": auction.ends_at.isoformat(), "current_price_fen": auction.current_price_fen,
            "minimum_bid_fen": auctions.minimum_bid(auction), "bid_count": auction.bid_count,
            "listing_id": auction.listing_id, "previous_id": auction.previous_id, "contact": auction.contact,
            "conditions": auction.conditions, "phase": auctions.phase(auction)}


def _auction(auction_id: int):
    """The auction, its close made durable when a reader finds it past its end (as the page does)."""
    auction = _trading_or_404(auctions.get_auction, auction_id)
    if auctions.close_if_due(auction):
        db.session.commit()
    return auction


@bp.route("/auctions")
@permission(PUBLIC)
def auction_list():
    return jsonify(items=[auction_json(a) for a in auctions.board(current=request.args.get("show") != "past")])


@bp.route("/auctions/<int:auction_id>")
@permission(PUBLIC)
def auction_get(auction_id: int):
    """The auction with its bid history (竞买人1, 2 …; `mine` marks the caller's organisation's bids).
    Conditional: the ETag changes with every bid, close and phase, so a bidding tool polling with
    If-None-Match gets a 304 — from one small query, nothing loaded or built — until something happened."""
    if request.if_none_match:
        tag = _trading_or_404(lambda i: auctions.current_etag(i, current_user), auction_id)
        if tag is not None and tag in request.if_none_match:
            response = current_app.response_class(status=304)
            response.set_etag(tag)
            return response
    auction = _auction(auction_id)
    state = auctions.state(auction, current_user)
    response = jsonify({**auction_json(auction), "you": state["you"], "bids": state["bids"],
                        "server_now": state["server_now"]})
    response.set_etag(auctions.etag(auction, current_user))
    return response


@bp.route("/auctions/<int:auction_id>/registrations", methods=["POST"])
@permission(LOGIN)
def auction_register(auction_id: int):
    registration = auctions.register(current_user, _auction(auction_id))
    db.session.commit()
    return jsonify(id=registration.id, bidder=auctions.pseudonym(registration), deposit_confirmed=False), 201


@bp.errorhandler(auctions.BidConflict)
def bid_conflict(exc):
    db.session.rollback()
    return jsonify(error=str(exc), status=409, current_price_fen=exc.current_fen, minimum_bid_fen=exc.minimum_fen), 409


@bp.route("/auctions/<int:auction_id>/bids", methods=["POST"])
@permission(LOGIN)
def auction_bid(auction_id: int):
    """{"amount_fen": 1050000000}: 201 with the bid, 409 when someone bid first (bid again at minimum_bid_fen)."""
    auction = _auction(auction_id)
    amount = _body().get("amount_fen")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise BadRequest(_("“%(name)s” must be an integer.", name="amount_fen"))
    bid = auctions.place_bid(current_user, auction, amount, channel="api")
    result = {"id": bid.id, "sequence": bid.sequence, "amount_fen": bid.amount_fen,
              "placed_at": bid.placed_at.isoformat(), "ends_at": bid.ends_after.isoformat(),
              "extended": bid.ends_after != bid.ends_before}
    db.session.commit()
    return jsonify(result), 201
