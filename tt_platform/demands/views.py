"""Demand pages: browse, detail, publish, edit, submit for review, change status."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from tt_platform.accounts.models import Role
from tt_platform.demands import export, services
from tt_platform.demands.forms import DemandForm
from tt_platform.demands.models import Demand
from tt_platform.listings import browse
from tt_platform.listings import views as common
from tt_platform.security import LOGIN, PUBLIC, permission

bp = Blueprint("demands", __name__, url_prefix="/demands")


BROWSING = browse.Browsing(
    Demand, amount_low=Demand.budget_min, amount_high=Demand.budget_max, trl_column=Demand.required_trl,
    extra_where=lambda p: Demand.is_challenge.is_(True) if p.challenge else Demand.id.isnot(None),
)


@bp.route("/")
@permission(PUBLIC)
@common.cached_list_page
def index():
    return common.browse_page(BROWSING, "demands/index.html")


@bp.route("/export.<any(csv, xlsx):fmt>")
@permission(PUBLIC)
def export_list(fmt: str):
    return common.export_page(BROWSING, fmt, export.columns(), _("Technology demands"))


@bp.route("/<int:listing_id>")
@permission(PUBLIC)
def detail(listing_id: int):
    # Operators get a picker of demand lists to add the demand to.
    lists = services.all_lists() if common.current_user_is_operator() else []
    return common.detail_page(Demand, listing_id, "demands/detail.html", demand_lists=lists)


PAGES = common.ListingPages(
    model=Demand, form=DemandForm, template="demands/form.html", detail_endpoint="demands.detail",
    context_name="demand", role=Role.ENTERPRISE, refusal=lambda: _("Only enterprise members publish demands."),
    saved=lambda: _("Demand saved."), create=services.create_demand, update=services.update_demand,
    error=services.DemandError)


@bp.route("/new", methods=["GET", "POST"])
@permission(LOGIN)
def create():
    return common.create_page(PAGES)


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit(listing_id: int):
    return common.edit_page(PAGES, listing_id)


@bp.route("/<int:listing_id>/submit", methods=["POST"])
@permission(LOGIN)
def submit(listing_id: int):
    return common.submit_action(Demand, listing_id, "demands.detail")


@bp.route("/<int:listing_id>/status", methods=["POST"])
@permission(LOGIN)
def change_status(listing_id: int):
    return common.status_action(Demand, listing_id, "demands.detail")
