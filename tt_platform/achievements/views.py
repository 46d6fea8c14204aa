"""Research-result pages: browse, detail, publish, edit, submit for review, change status."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from tt_platform.accounts.models import Role
from tt_platform.achievements import export, services
from tt_platform.achievements.forms import AchievementForm
from tt_platform.achievements.models import Achievement
from tt_platform.listings import browse
from tt_platform.listings import views as common
from tt_platform.security import LOGIN, PUBLIC, permission

bp = Blueprint("achievements", __name__, url_prefix="/results")


BROWSING = browse.Browsing(Achievement, amount_low=Achievement.asking_price, amount_high=Achievement.asking_price,
                           trl_column=Achievement.trl)


@bp.route("/")
@permission(PUBLIC)
@common.cached_list_page
def index():
    return common.browse_page(BROWSING, "achievements/index.html")


@bp.route("/export.<any(csv, xlsx):fmt>")
@permission(PUBLIC)
def export_list(fmt: str):
    return common.export_page(BROWSING, fmt, export.columns(), _("Research results"))


@bp.route("/<int:listing_id>")
@permission(PUBLIC)
def detail(listing_id: int):
    return common.detail_page(Achievement, listing_id, "achievements/detail.html")


PAGES = common.ListingPages(
    model=Achievement, form=AchievementForm, template="achievements/form.html",
    detail_endpoint="achievements.detail", context_name="result", role=Role.RESEARCH,
    refusal=lambda: _("Only members of universities and research institutes publish results."),
    saved=lambda: _("Research result saved."), create=services.create_achievement,
    update=services.update_achievement, error=services.AchievementError)


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
    return common.submit_action(Achievement, listing_id, "achievements.detail")


@bp.route("/<int:listing_id>/status", methods=["POST"])
@permission(LOGIN)
def change_status(listing_id: int):
    return common.status_action(Achievement, listing_id, "achievements.detail")
