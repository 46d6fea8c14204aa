"""Research-result pages: browse, detail, publish, edit, submit for review, change status."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform.accounts.models import Role
from tt_platform.achievements import services
from tt_platform.achievements.forms import MAX_IP_ROWS, AchievementForm
from tt_platform.achievements.models import Achievement
from tt_platform.database import db
from tt_platform.listings import services as listings
from tt_platform.listings import views as common
from tt_platform.security import LOGIN, PUBLIC, permission

bp = Blueprint("achievements", __name__, url_prefix="/results")


@bp.route("/")
@permission(PUBLIC)
def index():
    return common.browse_page(
        Achievement, "achievements/index.html", amount_low=Achievement.asking_price,
        amount_high=Achievement.asking_price, trl_column=Achievement.trl,
    )


@bp.route("/<int:listing_id>")
@permission(PUBLIC)
def detail(listing_id: int):
    return common.detail_page(Achievement, listing_id, "achievements/detail.html")


def _data(form: AchievementForm) -> services.AchievementData:
    return services.AchievementData(
        title=form.title.data, summary=form.summary.data, description=form.description.data,
        field_code=form.field_code.data, region_code=form.region_code.data,
        cooperation_modes=form.cooperation_modes.data, valid_until=form.valid_until.data,
        contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
        contact_email=form.contact_email.data or None, keywords=form.keywords.data or "",
        trl=int(form.trl.data) if form.trl.data else None, maturity=form.maturity.data or None,
        asking_price=form.asking_price.data, price_negotiable=form.price_negotiable.data,
        team=form.team.data or "",
        ip_records=[services.IPRecordData(**row) for row in form.ip_rows()],
    )


def _pad_ip_rows(form: AchievementForm) -> None:
    """Always offer two empty IP rows below the filled ones (up to the maximum)."""
    filled = len(form.ip_rows())
    while len(form.ip_records.entries) < min(filled + 2, MAX_IP_ROWS):
        form.ip_records.append_entry()


@bp.route("/new", methods=["GET", "POST"])
@permission(LOGIN)
def create():
    listings.publishing_membership(
        current_user, Role.RESEARCH, _("Only members of universities and research institutes publish results."))
    form = AchievementForm()
    if request.method == "GET":
        common.prefill_contact(form)
    if form.validate_on_submit():
        try:
            result = services.create_achievement(current_user, _data(form),
                                                 submit=request.form.get("action") == "submit")
        except services.AchievementError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Research result saved.") if result.status.value == "draft" else
                  _("Submitted for review. An operator will look at it shortly."), "success")
            return redirect(url_for("achievements.detail", listing_id=result.id))
    common.flash_form_errors(form)
    _pad_ip_rows(form)
    return render_template("achievements/form.html", form=form, result=None)


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit(listing_id: int):
    result = listings.get_visible(Achievement, listing_id, current_user)
    listings.require_owner(current_user, result)
    form = AchievementForm(obj=result)
    if request.method == "GET":
        form.trl.data = str(result.trl) if result.trl else ""
        form.keywords.data = "，".join(result.keyword_list)
    if form.validate_on_submit():
        try:
            changed = services.update_achievement(current_user, result, _data(form))
        except (services.AchievementError, listings.InvalidTransition) as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for("achievements.detail", listing_id=result.id))
    common.flash_form_errors(form)
    _pad_ip_rows(form)
    return render_template("achievements/form.html", form=form, result=result)


@bp.route("/<int:listing_id>/submit", methods=["POST"])
@permission(LOGIN)
def submit(listing_id: int):
    return common.submit_action(Achievement, listing_id, "achievements.detail")


@bp.route("/<int:listing_id>/status", methods=["POST"])
@permission(LOGIN)
def change_status(listing_id: int):
    return common.status_action(Achievement, listing_id, "achievements.detail")
