"""Case pages: broker and agency dashboards, the case itself, "request a broker". Thin views."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from search.documents import doc_id
from tt_platform import spreadsheets
from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import Organisation, Verification
from tt_platform.achievements.models import Achievement
from tt_platform.alerts.models import Notification
from tt_platform.audit import models as audit
from tt_platform.brokerage import export, services
from tt_platform.brokerage.models import PIPELINE, SOURCES, TERMINATION_REASONS, Case, Document, Stage, Task
from tt_platform.contracts.models import Contract
from tt_platform.database import china_today, db, parse_id
from tt_platform.demands.models import Demand
from tt_platform.indexing import registry
from tt_platform.judgments import services as judgments
from tt_platform.judgments.models import GRADES
from tt_platform.listings import services as listings
from tt_platform.security import LOGIN, permission
from tt_platform.web import commit_action

bp = Blueprint("brokerage", __name__, url_prefix="/cases")


def _visible_or_404(case_id: int) -> Case:
    case = services.get_visible(case_id, current_user)
    if case is None:
        abort(404)
    return case


def _ids(values) -> list[int]:
    return [i for i in map(parse_id, values) if i is not None][:20]


@bp.route("/")
@permission(LOGIN)
def index():
    board = services.broker_cases(current_user)
    recent_matches = db.session.scalars(sa.select(Notification).where(Notification.user_id == current_user.id)
                                        .order_by(Notification.created_at.desc()).limit(10)).all()
    return render_template(
        "brokerage/index.html", board=board, pipeline=[*PIPELINE, Stage.TERMINATED], inbox=services.inbox(current_user),
        overdue=services.overdue_tasks(current_user, china_today()), tasks=services.open_tasks(current_user),
        involved=services.others_visible(current_user), recent_matches=recent_matches,
        is_broker=accounts.broker_membership(current_user) is not None, today=china_today())


@bp.route("/export.<any(csv, xlsx):fmt>")
@permission(LOGIN)
def export_cases(fmt: str):
    headers, rows = export.table(services.visible_cases(current_user, limit=spreadsheets.MAX_ROWS + 1))
    return spreadsheets.list_download(_("Matchmaking cases"), fmt, headers, rows)


@bp.route("/agency")
@permission(LOGIN)
def agency():
    boards = services.agency_board(current_user)
    if not boards:
        abort(403)
    return render_template("brokerage/agency.html", boards=boards, stages=[*PIPELINE, Stage.TERMINATED])


@bp.route("/new", methods=["GET", "POST"])
@permission(LOGIN)
def new():
    if accounts.broker_membership(current_user) is None:
        abort(403)
    source = request.values
    demands = [d for d in db.session.scalars(sa.select(Demand).where(Demand.id.in_(_ids(source.getlist("demand")))))
               if listings.can_view(current_user, d)]
    results = [r for r in db.session.scalars(sa.select(Achievement).where(
        Achievement.id.in_(_ids(source.getlist("result"))))) if listings.can_view(current_user, r)]
    if request.method == "POST":
        try:
            case = services.open_case(current_user, request.form.get("title", ""), demands, results)
        except services.CaseError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Case opened."), "success")
            return redirect(url_for("brokerage.detail", case_id=case.id))
    title = demands[0].title if demands else (results[0].title if results else "")
    return render_template("brokerage/new.html", demands=demands, results=results, title=title)


@bp.route("/<int:case_id>")
@permission(LOGIN)
def detail(case_id: int):
    case = _visible_or_404(case_id)
    contracts = db.session.scalars(sa.select(Contract).where(Contract.case_id == case.id)).all()
    team = {u.id: u for u in [case.broker] if u}
    for p in case.participants:
        for m in p.organisation.memberships:
            team.setdefault(m.user_id, m.user)
    # each demand–result pair of the case, graded like a suggestion on a match page
    pairs = [(d, r, judgments.grades_by(current_user, d).get(doc_id("achievement", r.id)))
             for d in case.demands if judgments.may_grade(current_user, d) for r in case.results]
    return render_template(
        "brokerage/detail.html", case=case, trail=audit.trail("case", case.id), contracts=contracts, pairs=pairs,
        grade_labels=GRADES,
        can_manage=services.can_manage(current_user, case), can_contribute=services.can_contribute(current_user, case),
        can_claim=case.broker_id is None and services.is_agency_broker(current_user, case),
        stages=[*PIPELINE, Stage.TERMINATED], reasons=TERMINATION_REASONS, sources=SOURCES, team=team.values(),
        orgs=db.session.scalars(sa.select(Organisation).where(Organisation.verification == Verification.VERIFIED)
                                .order_by(Organisation.name)).all() if services.can_manage(current_user, case) else [],
        today=china_today())


def _act(case_id: int, action):
    case = _visible_or_404(case_id)
    return commit_action(lambda: action(case), errors=services.CaseError,
                         next_url=url_for("brokerage.detail", case_id=case_id))


@bp.route("/<int:case_id>/claim", methods=["POST"])
@permission(LOGIN)
def claim(case_id: int):
    return _act(case_id, lambda case: services.claim(current_user, case) or _("You now work this case."))


@bp.route("/<int:case_id>/stage", methods=["POST"])
@permission(LOGIN)
def stage(case_id: int):
    value = request.form.get("stage", "")

    def run(case):
        if value not in {s.value for s in Stage}:
            raise services.CaseError(_("Choose a stage."))
        services.set_stage(current_user, case, Stage(value), request.form.get("reason"), request.form.get("note"))
        return _("Stage: %(stage)s.", stage=Stage(value).label)
    return _act(case_id, run)


@bp.route("/<int:case_id>/notes", methods=["POST"])
@permission(LOGIN)
def add_note(case_id: int):
    return _act(case_id, lambda case: services.add_note(current_user, case, request.form.get("body", ""))
                and _("Note added."))


def _date(raw: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(raw or "")
    except ValueError:
        raise services.CaseError(_("Give a due date.")) from None


@bp.route("/<int:case_id>/tasks", methods=["POST"])
@permission(LOGIN)
def add_task(case_id: int):
    def run(case):
        owner_id = _ids([request.form.get("owner_id")]) or [current_user.id]
        services.add_task(current_user, case, request.form.get("title", ""), _date(request.form.get("due_on")),
                          owner_id[0])
        return _("Task added.")
    return _act(case_id, run)


@bp.route("/<int:case_id>/tasks/<int:task_id>/done", methods=["POST"])
@permission(LOGIN)
def task_done(case_id: int, task_id: int):
    def run(case):
        task = db.session.get(Task, task_id)
        if task is None or task.case_id != case.id:
            abort(404)
        services.complete_task(current_user, task)
        return _("Task done.")
    return _act(case_id, run)


@bp.route("/<int:case_id>/participants", methods=["POST"])
@permission(LOGIN)
def add_participant(case_id: int):
    def run(case):
        org = db.session.get(Organisation, (_ids([request.form.get("organisation_id")]) or [0])[0])
        if org is None:
            raise services.CaseError(_("Choose a verified organisation and its side."))
        services.add_participant(current_user, case, org, request.form.get("side", ""))
        return _("%(org)s takes part.", org=org.name)
    return _act(case_id, run)


@bp.route("/<int:case_id>/documents", methods=["POST"])
@permission(LOGIN)
def add_document(case_id: int):
    def run(case):
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise services.CaseError(_("Choose a file."))
        data = upload.stream.read(services.MAX_DOCUMENT_BYTES + 1)
        services.add_document(current_user, case, upload.filename, data, Path(current_app.config["UPLOAD_DIR"]))
        return _("Document added.")
    return _act(case_id, run)


@bp.route("/<int:case_id>/documents/<int:document_id>")
@permission(LOGIN)
def document(case_id: int, document_id: int):
    case = _visible_or_404(case_id)
    doc = db.session.get(Document, document_id)
    if doc is None or doc.case_id != case.id:
        abort(404)
    path = Path(current_app.config["UPLOAD_DIR"]) / doc.stored_name
    if not path.is_file():
        abort(404)
    # always a download: an uploaded HTML or SVG must never render in our origin
    return send_file(path, mimetype=doc.content_type, as_attachment=True, download_name=doc.filename)


@bp.route("/request/<entity>/<int:listing_id>", methods=["GET", "POST"])
@permission(LOGIN)
def request_broker(entity: str, listing_id: int):
    model = registry.model(entity)
    listing = db.session.get(model, listing_id) if model else None
    if listing is None or not listings.can_view(current_user, listing):
        abort(404)
    if not listings.is_owner(current_user, listing):
        abort(403)
    agencies = services.agencies()
    if request.method == "POST":
        agency = db.session.get(Organisation, (_ids([request.form.get("agency_id")]) or [0])[0])
        try:
            if agency is None:
                raise services.CaseError(_("Choose a verified technology transfer agency."))
            case = services.request_broker(current_user, listing, agency, request.form.get("message", ""))
        except services.CaseError as exc:
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Your request is in %(agency)s's inbox; a broker will contact you.", agency=agency.name),
                  "success")
            return redirect(url_for("brokerage.detail", case_id=case.id))
    return render_template("brokerage/request.html", listing=listing, entity=entity, agencies=agencies,
                           message=request.form.get("message", ""))
