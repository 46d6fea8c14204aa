"""Demand lists (需求清单): public index and pages; operators create them and add demands."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import Optional

from tt_platform import spreadsheets
from tt_platform.database import db, parse_id
from tt_platform.demand_lists import services
from tt_platform.demands import export
from tt_platform.demands.models import Demand, DemandList
from tt_platform.forms import BaseForm, RegionField, length, required
from tt_platform.listings import export as listing_export
from tt_platform.listings.views import current_user_is_operator, flash_form_errors
from tt_platform.security import OPERATOR, PUBLIC, permission
from tt_platform.web import commit_action

bp = Blueprint("demand_lists", __name__, url_prefix="/demand-lists")


class DemandListForm(BaseForm):
    name = StringField(_l("Name of the list"), validators=[required(), length(200, 2)])
    source = StringField(_l("Collected from (park, zone or bureau)"), validators=[required(), length(200)])
    region_code = RegionField(_l("Region"))
    issued_on = DateField(_l("Issued on"), validators=[required()])
    deadline = DateField(_l("Solutions accepted until"), validators=[Optional()])
    description = TextAreaField(_l("Description"), validators=[Optional(), length(5000)])
    is_published = BooleanField(_l("Published (visible to everyone)"))


def _get(list_id: int) -> DemandList:
    demand_list = services.get_visible(list_id, current_user)
    if demand_list is None:
        abort(404)
    return demand_list


@bp.route("/")
@permission(PUBLIC)
def index():
    lists = services.all_lists() if current_user_is_operator() else services.published_lists()
    return render_template("demand_lists/index.html", lists=lists)


@bp.route("/<int:list_id>")
@permission(PUBLIC)
def detail(list_id: int):
    demand_list = _get(list_id)
    return render_template("demand_lists/detail.html", demand_list=demand_list,
                           demands=services.visible_demands(current_user, demand_list))


@bp.route("/<int:list_id>/export.<any(csv, xlsx):fmt>")
@permission(PUBLIC)
def export_demands(list_id: int, fmt: str):
    demand_list = _get(list_id)
    headers, rows = listing_export.table(listing_export.numbered(export.columns()),
                                         enumerate(services.visible_demands(current_user, demand_list), start=1))
    return spreadsheets.list_download(demand_list.name, fmt, headers, rows, title=demand_list.name)


def _save(form: DemandListForm, demand_list: DemandList | None):
    data = services.DemandListData(
        name=form.name.data, source=form.source.data, region_code=form.region_code.data,
        issued_on=form.issued_on.data, deadline=form.deadline.data, description=form.description.data or "",
        is_published=form.is_published.data,
    )
    return services.save_demand_list(current_user, data, demand_list)


@bp.route("/new", methods=["GET", "POST"])
@permission(OPERATOR)
def create():
    form = DemandListForm()
    if form.validate_on_submit():
        try:
            demand_list = _save(form, None)
        except services.DemandError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("demand_lists.detail", list_id=demand_list.id))
    flash_form_errors(form)
    return render_template("demand_lists/form.html", form=form, demand_list=None)


@bp.route("/<int:list_id>/edit", methods=["GET", "POST"])
@permission(OPERATOR)
def edit(list_id: int):
    demand_list = _get(list_id)
    form = DemandListForm(obj=demand_list)
    if form.validate_on_submit():
        try:
            _save(form, demand_list)
        except services.DemandError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("demand_lists.detail", list_id=demand_list.id))
    flash_form_errors(form)
    return render_template("demand_lists/form.html", form=form, demand_list=demand_list)


@bp.route("/items", methods=["POST"])
@permission(OPERATOR)
def change_demands():
    """Add (action=add) or remove (action=remove) one demand; posted from the demand or list page."""
    list_id, demand_id = parse_id(request.form.get("list_id")), parse_id(request.form.get("demand_id"))
    if list_id is None or demand_id is None:
        abort(404)
    demand_list = _get(list_id)
    demand = db.session.get(Demand, demand_id)
    if demand is None:
        abort(404)
    change = services.remove_from_list if request.form.get("action") == "remove" else services.add_to_list
    return commit_action(lambda: change(current_user, demand_list, demand) or _("Saved."),
                         errors=services.DemandError, next_url=url_for("demand_lists.detail", list_id=demand_list.id))
