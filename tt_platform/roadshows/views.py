"""Roadshow pages: list, event page, organiser tools (agenda with suggestions, registrations, check-in,
report), registration with .ics invitation, intentions after the event."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from search.backends.base import BackendUnavailable
from tt_platform import spreadsheets
from tt_platform.achievements.models import Achievement
from tt_platform.database import CHINA, china_today, db, parse_id, utcnow
from tt_platform.roadshows import export, ics, services
from tt_platform.roadshows.forms import RoadshowForm
from tt_platform.roadshows.models import INTENTION_LEVELS, Intention, Registration, RegistrationStatus, Roadshow
from tt_platform.security import LOGIN, PUBLIC, NotAllowed, permission
from tt_platform.web import commit_action

bp = Blueprint("roadshows", __name__, url_prefix="/roadshows")


def _visible_or_404(roadshow_id: int) -> Roadshow:
    roadshow = db.session.get(Roadshow, roadshow_id)
    if roadshow is None or not services.can_view(current_user, roadshow):
        abort(404)
    return roadshow


def _managed_or_403(roadshow_id: int) -> Roadshow:
    roadshow = _visible_or_404(roadshow_id)
    if not services.can_manage(current_user, roadshow):
        abort(403)
    return roadshow


def _data(form: RoadshowForm) -> services.RoadshowData:
    start = dt.datetime.combine(form.day.data, form.start_time.data, CHINA).astimezone(dt.UTC)
    end = dt.datetime.combine(form.day.data, form.end_time.data, CHINA).astimezone(dt.UTC)
    return services.RoadshowData(
        title=form.title.data, theme=form.theme.data, starts_at=start, ends_at=end, capacity=form.capacity.data,
        registration_opens_on=form.registration_opens_on.data,
        registration_closes_on=form.registration_closes_on.data, field_code=form.field_code.data or None,
        venue=form.venue.data or None, online_url=form.online_url.data or None,
        requires_approval=form.requires_approval.data)


@bp.route("/")
@permission(PUBLIC)
def index():
    return render_template("roadshows/index.html", roadshows=services.upcoming(current_user),
                           can_create=current_user.is_authenticated
                           and services.organiser_membership(current_user) is not None, now=utcnow())


@bp.route("/new", methods=["GET", "POST"])
@permission(LOGIN)
def new():
    if services.organiser_membership(current_user) is None:
        abort(403)
    form = RoadshowForm()
    if form.validate_on_submit():
        try:
            roadshow = services.create(current_user, _data(form))
        except services.RoadshowError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Roadshow created. Build the agenda, then publish it."), "success")
            return redirect(url_for("roadshows.detail", roadshow_id=roadshow.id))
    return render_template("roadshows/form.html", form=form, roadshow=None), 422 if form.errors else 200


@bp.route("/<int:roadshow_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit(roadshow_id: int):
    roadshow = _managed_or_403(roadshow_id)
    form = RoadshowForm()
    if request.method == "GET":
        local_start, local_end = roadshow.starts_at.astimezone(CHINA), roadshow.ends_at.astimezone(CHINA)
        form.process(obj=roadshow, day=local_start.date(), start_time=local_start.time(), end_time=local_end.time())
    if form.validate_on_submit():
        try:
            services.update(current_user, roadshow, _data(form))
        except services.RoadshowError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Changes saved."), "success")
            return redirect(url_for("roadshows.detail", roadshow_id=roadshow.id))
    return render_template("roadshows/form.html", form=form, roadshow=roadshow), 422 if form.errors else 200


@bp.route("/<int:roadshow_id>")
@permission(PUBLIC)
def detail(roadshow_id: int):
    roadshow = _visible_or_404(roadshow_id)
    manager = services.can_manage(current_user, roadshow)
    mine = services.own_registration(current_user, roadshow)
    return render_template(
        "roadshows/detail.html", roadshow=roadshow, manager=manager, mine=mine,
        seats_left=max(0, roadshow.capacity - services.seats_taken(roadshow)), now=utcnow(), today=china_today(),
        levels=INTENTION_LEVELS, report=services.report(roadshow) if manager else None,
        intentions={i.achievement_id: i for i in mine.intentions} if mine else {})


def _act(roadshow_id: int, action):
    roadshow = _visible_or_404(roadshow_id)
    next_url = (url_for("roadshows.agenda", roadshow_id=roadshow_id) if request.form.get("next") == "agenda"
                else url_for("roadshows.detail", roadshow_id=roadshow_id))
    return commit_action(lambda: action(roadshow), errors=services.RoadshowError, next_url=next_url)


@bp.route("/<int:roadshow_id>/publish", methods=["POST"])
@permission(LOGIN)
def publish(roadshow_id: int):
    publish_it = request.form.get("published") == "1"
    return _act(roadshow_id, lambda r: services.set_published(current_user, r, publish_it)
                or (_("Published.") if publish_it else _("Hidden from the public.")))


@bp.route("/<int:roadshow_id>/agenda", methods=["GET", "POST"])
@permission(LOGIN)
def agenda(roadshow_id: int):
    roadshow = _managed_or_403(roadshow_id)
    if request.method == "POST":
        op = request.form.get("op")

        def run(r):
            if op == "add":
                result = db.session.get(Achievement, parse_id(request.form.get("achievement_id")) or 0)
                if result is None:
                    raise services.RoadshowError(_("Choose a research result."))
                minutes = int(request.form.get("minutes") or 15)
                services.add_slot(current_user, r, result, request.form.get("presenter", ""), minutes,
                                  request.form.get("reason"))
                return _("Added to the agenda.")
            slot_id = parse_id(request.form.get("slot_id")) or 0
            if op in ("up", "down"):
                services.move_slot(current_user, r, slot_id, -1 if op == "up" else 1)
                return None
            if op == "remove":
                services.remove_slot(current_user, r, slot_id)
                return _("Removed from the agenda.")
            raise services.RoadshowError(_("Unknown action."))
        try:
            return _act(roadshow_id, run)
        except ValueError:
            abort(400)
    try:  # the agenda itself never depends on the engine: without it, no suggestions and a word why
        suggestions, unavailable = services.suggest_agenda(roadshow), False
    except BackendUnavailable:
        suggestions, unavailable = [], True
    return render_template("roadshows/agenda.html", roadshow=roadshow, suggestions=suggestions,
                           unavailable=unavailable)


@bp.route("/<int:roadshow_id>/register", methods=["POST"])
@permission(LOGIN)
def register(roadshow_id: int):
    try:
        attendees = int(request.form.get("attendees") or 1)
    except ValueError:
        attendees = 0

    def run(r):
        registration = services.register(current_user, r, attendees, china_today())
        return (_("Registered. Waiting for the organiser’s approval.")
                if registration.status is RegistrationStatus.PENDING else _("You are registered. See you there!"))
    return _act(roadshow_id, run)


@bp.route("/<int:roadshow_id>/cancel-registration", methods=["POST"])
@permission(LOGIN)
def cancel_registration(roadshow_id: int):
    def run(r):
        mine = services.own_registration(current_user, r)
        if mine is None:
            raise services.RoadshowError(_("You are not registered."))
        services.cancel_registration(current_user, mine)
        return _("Registration cancelled.")
    return _act(roadshow_id, run)


@bp.route("/<int:roadshow_id>/registrations/<int:registration_id>", methods=["POST"])
@permission(LOGIN)
def decide_registration(roadshow_id: int, registration_id: int):
    roadshow = _managed_or_403(roadshow_id)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.roadshow_id != roadshow.id:
        abort(404)
    decision = request.form.get("decision")

    def run(r):
        if decision == "checkin":
            services.check_in(current_user, registration)
            return _("%(org)s checked in.", org=registration.organisation.name)
        services.decide_registration(current_user, registration, decision == "approve")
        return _("%(org)s: %(status)s.", org=registration.organisation.name, status=registration.status.label)
    return _act(roadshow_id, run)


@bp.route("/<int:roadshow_id>/registrations/export.<any(csv, xlsx):fmt>")
@permission(LOGIN)
def export_registrations(roadshow_id: int, fmt: str):
    roadshow = _managed_or_403(roadshow_id)
    headers, rows = export.table(roadshow)
    return spreadsheets.list_download(f"{roadshow.title}-{_('Registrations')}", fmt, headers, rows,
                                      title=roadshow.title)


@bp.route("/<int:roadshow_id>/invitation.ics")
@permission(LOGIN)
def invitation(roadshow_id: int):
    roadshow = _visible_or_404(roadshow_id)
    mine = services.own_registration(current_user, roadshow)
    if mine is None or mine.status is not RegistrationStatus.APPROVED:
        abort(404)
    url = url_for("roadshows.detail", roadshow_id=roadshow.id, _external=True)
    return ics.invitation(mine, url, request.host), 200, {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": f'attachment; filename="roadshow-{roadshow.id}.ics"'}


@bp.route("/<int:roadshow_id>/intentions", methods=["POST"])
@permission(LOGIN)
def intention(roadshow_id: int):
    def run(r):
        services.record_intention(current_user, r, parse_id(request.form.get("achievement_id")) or 0,
                                  request.form.get("level", ""), request.form.get("note"), utcnow())
        return _("Your intention is recorded; the organiser’s brokers will follow up.")
    return _act(roadshow_id, run)


@bp.route("/<int:roadshow_id>/intentions/<int:intention_id>/case", methods=["POST"])
@permission(LOGIN)
def intention_case(roadshow_id: int, intention_id: int):
    roadshow = _managed_or_403(roadshow_id)
    found = db.session.get(Intention, intention_id)
    if found is None or found.registration.roadshow_id != roadshow.id:
        abort(404)
    try:
        case = services.intention_to_case(current_user, found)
    except (services.RoadshowError, NotAllowed) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("roadshows.detail", roadshow_id=roadshow.id))
    db.session.commit()
    flash(_("Case opened."), "success")
    return redirect(url_for("brokerage.detail", case_id=case.id))

