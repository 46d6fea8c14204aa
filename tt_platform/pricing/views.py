"""Pricing pages: the reference band of a result or a demand, valuation worksheets (page, XLSX, PDF) and a
registered contract's tax reliefs. Thin: services hold the rules, object-level permissions included."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform import money, spreadsheets
from tt_platform.achievements.models import Achievement
from tt_platform.brokerage import services as brokerage
from tt_platform.contracts import services as contracts
from tt_platform.database import db
from tt_platform.demands.models import Demand
from tt_platform.listings import services as listings
from tt_platform.pricing import export, labels, services, tax
from tt_platform.pricing.forms import WorksheetForm, parse_yuan
from tt_platform.security import LOGIN, NotAllowed, permission

bp = Blueprint("pricing", __name__, url_prefix="/pricing")


def _reference_page(listing, reference, kind: str):
    worksheets = services.worksheets_for(current_user, listing) if kind == "result" else []
    can_open = kind == "result" and services.can_open_worksheet(current_user, listing)
    return render_template("pricing/reference.html", listing=listing, kind=kind, ref=reference,
                           worksheets=worksheets, can_open=can_open)


@bp.route("/results/<int:result_id>")
@permission(LOGIN)
def result(result_id: int):
    listing = listings.get_visible(Achievement, result_id, current_user)
    return _reference_page(listing, services.reference_for_result(current_user, listing), "result")


@bp.route("/demands/<int:demand_id>")
@permission(LOGIN)
def demand(demand_id: int):
    listing = listings.get_visible(Demand, demand_id, current_user)
    return _reference_page(listing, services.reference_for_demand(current_user, listing), "demand")


def _save(form: WorksheetForm, save) -> bool:
    try:
        save(form.to_data())
    except services.PricingError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return False
    db.session.commit()
    return True


@bp.route("/results/<int:result_id>/worksheets/new", methods=["GET", "POST"])
@permission(LOGIN)
def new_worksheet(result_id: int):
    listing = listings.get_visible(Achievement, result_id, current_user)
    if not services.can_open_worksheet(current_user, listing):
        abort(403)
    form = WorksheetForm()
    form.set_cases(services.shareable_cases(current_user, listing))
    if request.method == "GET":
        form.title.data = _("Valuation of %(title)s", title=listing.title)[:200]
        reference = services.reference_for_result(current_user, listing) \
            if services.can_see_reference(current_user, listing) else None
        if reference is not None and reference.band is not None:
            form.market_base_wan.data = services.wan(reference.band.median_fen).quantize(export.CENT)
    created = []
    if form.validate_on_submit() and _save(form, lambda data: created.append(
            services.create_worksheet(current_user, listing, data))):
        flash(_("Worksheet saved."), "success")
        return redirect(url_for("pricing.worksheet", worksheet_id=created[0].id))
    return render_template("pricing/worksheet.html", form=form, listing=listing, worksheet=None,
                           sections=[], can_edit=True), 422 if form.errors else 200


@bp.route("/worksheets/<int:worksheet_id>", methods=["GET", "POST"])
@permission(LOGIN)
def worksheet(worksheet_id: int):
    sheet = services.get_worksheet(worksheet_id, current_user)
    can_edit = services.can_edit_worksheet(current_user, sheet)
    if request.method == "POST" and not can_edit:
        abort(403)
    form = WorksheetForm()
    form.set_cases(services.shareable_cases(current_user, sheet.achievement))
    if request.method == "GET":
        form.fill(services.data_of(sheet))
    if form.validate_on_submit() and _save(form, lambda data: services.update_worksheet(current_user, sheet, data)):
        flash(_("Worksheet saved."), "success")
        return redirect(url_for("pricing.worksheet", worksheet_id=sheet.id))
    price_link = notice_link = listing_link = auction_link = None
    if sheet.chosen_fen is not None and listings.is_owner(current_user, sheet.achievement):
        # the owner checks and saves it on the result's edit page (a published result goes back to review),
        # or proposes it as the price of a 协议定价 notice, a 挂牌 listing or an auction's start price (checked
        # there before posting)
        value = str(money.fen_to_wan(sheet.chosen_fen))
        price_link = url_for("achievements.edit", listing_id=sheet.achievement_id, asking_price=value)
        notice_link = url_for("trading.new_notice", result_id=sheet.achievement_id, price=value)
        listing_link = url_for("trading.new_listing", result_id=sheet.achievement_id, price=value)
        auction_link = url_for("trading.new_auction", result_id=sheet.achievement_id, price=value)
    return render_template("pricing/worksheet.html", form=form, listing=sheet.achievement, worksheet=sheet,
                           sections=export.sections(sheet), price_link=price_link, can_edit=can_edit,
                           notice_link=notice_link, listing_link=listing_link, auction_link=auction_link,
                           case=brokerage.get_visible(sheet.case_id, current_user) if sheet.case_id else None), \
        422 if form.errors else 200


@bp.route("/worksheets/<int:worksheet_id>.<any(xlsx, pdf):fmt>")
@permission(LOGIN)
def worksheet_export(worksheet_id: int, fmt: str):
    sheet = services.get_worksheet(worksheet_id, current_user)
    if fmt == "xlsx":
        body, mimetype = export.xlsx(sheet), spreadsheets.MIMETYPES["xlsx"]
    else:
        body, mimetype = export.pdf(sheet), "application/pdf"
    return body, 200, {"Content-Type": mimetype, "Cache-Control": "private, no-store",
                       "Content-Disposition": spreadsheets.content_disposition(f"{export.filename(sheet)}.{fmt}")}


def _entered_costs(view_contracts) -> tuple[dict[int, tuple[int, int]], list[str]]:
    """Costs and taxes typed per contract (in 元, query string), with a message per bad entry."""
    costs, errors = {}, []
    for contract in view_contracts:
        try:
            costs[contract.id] = (parse_yuan(request.args.get(f"cost_{contract.id}")),
                                  parse_yuan(request.args.get(f"taxes_{contract.id}")))
        except ValueError as exc:
            errors.append(f"{contract.name}: {exc}")
    return costs, errors


@bp.route("/contracts/<int:contract_id>/tax")
@permission(LOGIN)
def contract_tax(contract_id: int):
    contract = contracts.get_visible(contract_id, current_user)
    if contract is None:
        abort(404)
    if not services.can_see_tax(current_user, contract):
        raise NotAllowed()
    costs, errors = _entered_costs(services.seller_year_contracts(contract))
    view = services.tax_view(current_user, contract, costs)
    return render_template("pricing/tax.html", contract=contract, view=view, errors=errors, costs=costs, tax=tax,
                           reasons=labels.cit_reasons(), vat_reasons=labels.vat_reasons()), 422 if errors else 200
