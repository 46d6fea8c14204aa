"""Demand pages: browse, detail, publish, edit, submit for review, change status."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.accounts.models import Role
from tt_platform.database import db
from tt_platform.demands import services
from tt_platform.demands.forms import DemandForm
from tt_platform.demands.models import Demand
from tt_platform.demands.services import DemandData
from tt_platform.listings import services as listings
from tt_platform.listings import views as common
from tt_platform.security import LOGIN, PUBLIC, permission

bp = Blueprint("demands", __name__, url_prefix="/demands")


@bp.route("/")
@permission(PUBLIC)
def index():
    return common.browse_page(
        Demand, "demands/index.html", amount_low=Demand.budget_min, amount_high=Demand.budget_max,
        trl_column=Demand.required_trl,
        extra_where=lambda p: Demand.is_challenge.is_(True) if p.challenge else Demand.id.isnot(None),
    )


@bp.route("/<int:listing_id>")
@permission(PUBLIC)
def detail(listing_id: int):
    # Operators get a picker of demand lists to add the demand to.
    lists = services.all_lists() if common.current_user_is_operator() else []
    return common.detail_page(Demand, listing_id, "demands/detail.html", demand_lists=lists)


def _data(form: DemandForm) -> DemandData:
    section, division = form.industry_codes()
    return DemandData(
        title=form.title.data, summary=form.summary.data, problem=form.problem.data,
        current_situation=form.current_situation.data or "", target_indicators=form.target_indicators.data or "",
        field_code=form.field_code.data, region_code=form.region_code.data,
        cooperation_modes=form.cooperation_modes.data, valid_until=form.valid_until.data,
        contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data or None, keywords=form.keywords.data or "",
        industry_section=section, industry_division=division, budget_min=form.budget_min.data,
        budget_max=form.budget_max.data, budget_negotiable=form.budget_negotiable.data,
        required_trl=int(form.required_trl.data) if form.required_trl.data else None,
        is_challenge=form.is_challenge.data, bounty=form.bounty.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission(LOGIN)
def create():
    listings.publishing_membership(current_user, Role.ENTERPRISE, _("Only enterprise members publish demands."))
    form = DemandForm()
    if request.method == "GET":
        common.prefill_contact(form)
    if form.validate_on_submit():
        try:
            demand = services.create_demand(current_user, _data(form), submit=request.form.get("action") == "submit")
        except services.DemandError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Demand saved.") if demand.status.value == "draft" else
                  _("Submitted for review. An operator will look at it shortly."), "success")
            return redirect(url_for("demands.detail", listing_id=demand.id))
    common.flash_form_errors(form)
    return render_template("demands/form.html", form=form, demand=None)


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit(listing_id: int):
    demand = listings.get_visible(Demand, listing_id, current_user)
    listings.require_owner(current_user, demand)
    form = DemandForm(obj=demand)
    if request.method == "GET":
        form.industry.data = (f"{demand.industry_section}:{demand.industry_division}" if demand.industry_division
                              else demand.industry_section or "")
        form.required_trl.data = str(demand.required_trl) if demand.required_trl else ""
        form.keywords.data = "，".join(demand.keyword_list)
    if form.validate_on_submit():
        try:
            changed = services.update_demand(current_user, demand, _data(form))
        except (services.DemandError, listings.InvalidTransition) as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("demands.detail", listing_id=demand.id))
    common.flash_form_errors(form)
    return render_template("demands/form.html", form=form, demand=demand)


@bp.route("/<int:listing_id>/submit", methods=["POST"])
@permission(LOGIN)
def submit(listing_id: int):
    return common.submit_action(Demand, listing_id, "demands.detail")


@bp.route("/<int:listing_id>/status", methods=["POST"])
@permission(LOGIN)
def change_status(listing_id: int):
    return common.status_action(Demand, listing_id, "demands.detail")
