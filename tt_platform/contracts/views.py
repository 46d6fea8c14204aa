"""Contract pages: record, submit, register (认定登记), certificate. Thin: services hold the rules."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform import money, spreadsheets
from tt_platform.accounts.models import Organisation
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.contracts import export, origins, services
from tt_platform.contracts.certificate import certificate_rows, render_pdf
from tt_platform.contracts.forms import ITEM_ROWS, ChangeRequestForm, ContractForm, DecisionForm, NoteForm
from tt_platform.contracts.models import REFUSAL_REASONS, RETURN_REASONS, Contract, ContractStatus
from tt_platform.database import db, parse_id
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.security import LOGIN, NotAllowed, permission
from tt_platform.web import commit_action

bp = Blueprint("contracts", __name__, url_prefix="/contracts")

PAGE_SIZE = 50


def _visible_or_404(contract_id: int) -> Contract:
    contract = services.get_visible(contract_id, current_user)
    if contract is None:
        abort(404)
    return contract


def _party(form: ContractForm, side: str) -> tuple[int | None, str, str, str]:
    org_id = parse_id(getattr(form, f"{side}_org_id").data)
    org = db.session.get(Organisation, org_id) if org_id else None
    if org is not None:
        return (org.id, *services.party_from_org(org))
    return (None, getattr(form, f"{side}_name").data or "", getattr(form, f"{side}_party_type").data or "",
            getattr(form, f"{side}_region_code").data or "")


def _linked_listing(model, raw_id) -> int | None:
    """A listing link is kept only when the user may see that listing."""
    listing_id = parse_id(raw_id)
    if listing_id is None:
        return None
    listing = db.session.get(model, listing_id)
    return listing.id if listing is not None and listings.can_view(current_user, listing) else None


def _linked_case(raw_id):
    """The case a contract comes from (and its roadshow), kept only when the user may see the case."""
    case = origins.find(origins.CASE, parse_id(raw_id), current_user)
    return (case.id, case.roadshow_id) if case is not None else (None, None)


def _data_from(form: ContractForm) -> services.ContractData:
    case_id, roadshow_id = _linked_case(form.case_id.data)
    seller = _party(form, "seller")
    buyer = _party(form, "buyer")
    items = tuple(
        services.ItemData(row.description.data.strip(), money.yuan_to_fen(row.amount_yuan.data),
                          bool(row.is_technical.data))
        for row in (entry.form for entry in form.items) if row.description.data and row.amount_yuan.data is not None)
    return services.ContractData(
        name=form.name.data, subtype_code=form.subtype_code.data, field_code=form.field_code.data,
        payment_mode=form.payment_mode.data, signed_on=form.signed_on.data,
        valid_from=form.valid_from.data, valid_until=form.valid_until.data, ip_type=form.ip_type.data or None,
        seller_org_id=seller[0], seller_name=seller[1], seller_party_type=seller[2], seller_region_code=seller[3],
        buyer_org_id=buyer[0], buyer_name=buyer[1], buyer_party_type=buyer[2], buyer_region_code=buyer[3],
        items=items, demand_id=_linked_listing(Demand, form.demand_id.data),
        achievement_id=_linked_listing(Achievement, form.achievement_id.data), case_id=case_id,
        roadshow_id=roadshow_id)


def _fill(form: ContractForm, contract: Contract) -> None:
    for name in ("name", "subtype_code", "field_code", "ip_type", "payment_mode", "signed_on", "valid_from",
                 "valid_until", "seller_name", "seller_party_type", "seller_region_code", "buyer_name",
                 "buyer_party_type", "buyer_region_code"):
        getattr(form, name).data = getattr(contract, name)
    form.seller_org_id.data = str(contract.seller_org_id or "")
    form.buyer_org_id.data = str(contract.buyer_org_id or "")
    form.demand_id.data, form.achievement_id.data = contract.demand_id or "", contract.achievement_id or ""
    form.case_id.data = contract.case_id or ""
    while len(form.items):
        form.items.pop_entry()
    for item in contract.items:
        form.items.append_entry({"description": item.description, "amount_yuan": money.fen_to_yuan(item.amount_fen),
                                 "is_technical": item.is_technical})
    while len(form.items) < max(ITEM_ROWS, len(contract.items) + 2):
        form.items.append_entry()


def _prefill_from_listings(form: ContractForm) -> None:
    """"Record a deal" from a match or a case: the demand's enterprise buys, the result's owner sells."""
    demand_id = parse_id(request.args.get("demand"))
    result_id = parse_id(request.args.get("achievement"))
    case = origins.find(origins.CASE, parse_id(request.args.get("case")), current_user)
    if case is not None:
        form.case_id.data = case.id
        demand_id = demand_id or case.demand_id
        result_id = result_id or case.achievement_id
    demand = db.session.get(Demand, demand_id or 0)
    result = db.session.get(Achievement, result_id or 0)
    if demand is not None and listings.can_view(current_user, demand):
        form.demand_id.data, form.buyer_org_id.data = demand.id, str(demand.organisation_id)
        form.field_code.data = demand.field_code
    if result is not None and listings.can_view(current_user, result):
        form.achievement_id.data, form.seller_org_id.data = result.id, str(result.organisation_id)
        form.field_code.data = form.field_code.data or result.field_code
        form.name.data = result.title[:200]
    if case is not None:
        form.name.data = case.title


def _status_filter() -> ContractStatus | None:
    status = request.args.get("status", "")
    return ContractStatus(status) if status in {s.value for s in ContractStatus} else None


@bp.route("/")
@permission(LOGIN)
def index():
    status = _status_filter()
    query = services.visible_list(current_user, status)
    page = max(1, parse_id(request.args.get("page")) or 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    contracts = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return render_template("contracts/index.html", contracts=contracts, status=status.value if status else "",
                           page=page, total=total, pages=max(1, -(-total // PAGE_SIZE)), statuses=list(ContractStatus))


@bp.route("/export.<any(csv, xlsx):fmt>")
@permission(LOGIN)
def export_list(fmt: str):
    query = services.visible_list(current_user, _status_filter()).limit(spreadsheets.MAX_ROWS + 1)
    headers, rows = export.table(db.session.scalars(query))
    return spreadsheets.list_download(_("Technology contracts"), fmt, headers, rows)


def _save(form: ContractForm, contract: Contract | None):
    try:
        data = _data_from(form)
        if contract is None:
            contract = services.create(current_user, data)
        else:
            services.update(current_user, contract, data)
    except services.ContractError as exc:
        flash(str(exc), "danger")
        return None
    db.session.commit()
    return contract


@bp.route("/new", methods=["GET", "POST"])
@permission(LOGIN)
def new():
    form = ContractForm()
    if request.method == "GET":
        _prefill_from_listings(form)
    if form.validate_on_submit():
        try:
            contract = _save(form, None)
        except NotAllowed as exc:
            flash(str(exc), "danger")
            contract = None
        if contract is not None:
            flash(_("Contract recorded as a draft."), "success")
            return redirect(url_for("contracts.detail", contract_id=contract.id))
    return render_template("contracts/form.html", form=form, contract=None), 422 if form.errors else 200


@bp.route("/<int:contract_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit(contract_id: int):
    contract = _visible_or_404(contract_id)
    if not services.can_edit(current_user, contract):
        abort(403)
    form = ContractForm()
    if request.method == "GET":
        _fill(form, contract)
    if form.validate_on_submit():
        with db.session.no_autoflush:
            saved = _save(form, contract)
        if saved is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for("contracts.detail", contract_id=contract.id))
        db.session.rollback()
    return render_template("contracts/form.html", form=form, contract=contract), 422 if form.errors else 200


@bp.route("/<int:contract_id>")
@permission(LOGIN)
def detail(contract_id: int):
    contract = _visible_or_404(contract_id)
    return render_template(
        "contracts/detail.html", contract=contract, trail=audit.trail("contract", contract.id),
        links=_linked_work(contract),
        can_edit=services.can_edit(current_user, contract),
        recording_side=services.is_recording_side(current_user, contract),
        registrar=services.is_registrar_for(current_user, contract),
        decision_form=DecisionForm(), change_form=ChangeRequestForm(), note_form=NoteForm(),
        return_reasons=RETURN_REASONS, refusal_reasons=REFUSAL_REASONS)


def _linked_work(contract: Contract) -> dict:
    """The case and roadshow the deal came from, when the viewer may see them (a party of the contract
    is not necessarily a participant of the broker's case)."""
    return {"case": origins.find(origins.CASE, contract.case_id, current_user),
            "roadshow": origins.find(origins.ROADSHOW, contract.roadshow_id, current_user),
            "others": origins.of_contract(contract, current_user)}


def _act(contract_id: int, action):
    contract = _visible_or_404(contract_id)
    return commit_action(lambda: action(contract), errors=services.ContractError,
                         next_url=url_for("contracts.detail", contract_id=contract_id))


@bp.route("/<int:contract_id>/submit", methods=["POST"])
@permission(LOGIN)
def submit(contract_id: int):
    def run(contract):
        services.submit(current_user, contract)
        return _("Submitted to %(office)s for registration.", office=contract.office.name)
    return _act(contract_id, run)


@bp.route("/<int:contract_id>/decide", methods=["POST"])
@permission(LOGIN)
def decide(contract_id: int):
    decision = request.form.get("decision", "")
    reason, note = request.form.get("reason", ""), request.form.get("note", "")

    def run(contract):
        if decision == "register":
            number = services.register(current_user, contract)
            return _("Registered under number %(number)s.", number=number)
        if decision == "return":
            services.return_for_correction(current_user, contract, reason, note)
            return _("Returned to the seller for correction.")
        if decision == "refuse":
            services.refuse(current_user, contract, reason, note)
            return _("Registration refused.")
        raise services.ContractError(_("Choose a decision."))
    return _act(contract_id, run)


@bp.route("/<int:contract_id>/change-request", methods=["POST"])
@permission(LOGIN)
def change_request(contract_id: int):
    def run(contract):
        services.request_change(current_user, contract, request.form.get("text", ""))
        return _("Your change request was sent to the registration office.")
    return _act(contract_id, run)


@bp.route("/<int:contract_id>/cancel", methods=["POST"])
@permission(LOGIN)
def cancel(contract_id: int):
    def run(contract):
        services.cancel_registration(current_user, contract, request.form.get("note", ""))
        return _("Registration cancelled; the contract has left the statistics.")
    return _act(contract_id, run)


@bp.route("/<int:contract_id>/change", methods=["GET", "POST"])
@permission(LOGIN)
def register_change(contract_id: int):
    contract = _visible_or_404(contract_id)
    if not services.is_registrar_for(current_user, contract) or contract.status is not ContractStatus.REGISTERED:
        abort(403)
    form = ContractForm()
    if request.method == "GET":
        _fill(form, contract)
    note = request.form.get("change_note", "")
    if form.validate_on_submit():
        try:
            with db.session.no_autoflush:
                services.register_change(current_user, contract, _data_from(form), note)
        except services.ContractError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Change registered."), "success")
            return redirect(url_for("contracts.detail", contract_id=contract.id))
    return render_template("contracts/form.html", form=form, contract=contract, change=True, change_note=note), \
        422 if form.errors else 200


def _certificate_contract(contract_id: int) -> Contract:
    contract = _visible_or_404(contract_id)
    if contract.registration_number is None:
        abort(404)
    return contract


@bp.route("/<int:contract_id>/certificate")
@permission(LOGIN)
def certificate(contract_id: int):
    contract = _certificate_contract(contract_id)
    return render_template("contracts/certificate.html", contract=contract, rows=certificate_rows(contract))


@bp.route("/<int:contract_id>/certificate.pdf")
@permission(LOGIN)
def certificate_pdf(contract_id: int):
    contract = _certificate_contract(contract_id)
    return render_pdf(contract), 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="certificate-{contract.registration_number}.pdf"'}


@bp.route("/registry")
@permission(LOGIN)
def registry():
    if not current_user.is_registrar:
        abort(403)
    return render_template("contracts/registry.html", contracts=services.registrar_queue(current_user))


@bp.route("/registry/export.<any(csv, xlsx):fmt>")
@permission(LOGIN)
def export_registry(fmt: str):
    if not current_user.is_registrar:
        abort(403)
    headers, rows = export.registry_table(services.registrar_queue(current_user))
    return spreadsheets.list_download(_("Registration desk"), fmt, headers, rows)
