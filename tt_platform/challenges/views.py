"""揭榜挂帅 pages: the public 榜单, a challenge's page, publishing (发榜) and the operators' review."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from search.backends.base import BackendUnavailable
from tt_platform import spreadsheets, taxonomy
from tt_platform.accounts.models import ORG_KIND_LABELS
from tt_platform.challenges import delivery, ics, outreach, scoring, services, statistics
from tt_platform.challenges.forms import ApplicationForm, ChallengeForm
from tt_platform.challenges.models import (
    PHASE_LABELS,
    Application,
    ApplicationStatus,
    Challenge,
    ChallengeState,
    DefenceSlot,
    Milestone,
    Objection,
    Phase,
    Score,
)
from tt_platform.database import CHINA, china_today, db, utcnow
from tt_platform.i18n import beijing
from tt_platform.money import FEN_PER_WAN
from tt_platform.security import LOGIN, OPERATOR, PUBLIC, NotAllowed, NotFound, permission
from tt_platform.web import commit_action

bp = Blueprint("challenges", __name__, url_prefix="/challenges")


def _visible_or_404(challenge_id: int) -> Challenge:
    try:
        return services.get_visible(challenge_id, current_user)
    except NotFound:
        abort(404)


def _int_arg(name: str) -> int | None:
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


@bp.route("/")
@permission(PUBLIC)
def index():
    field = request.args.get("field") or None
    province = request.args.get("province") or None
    phase = request.args.get("status") or None
    min_wan = _int_arg("min_bounty")
    filters = services.BoardFilter(
        field_code=field if field in taxonomy.fields() else None,
        province=province if province in dict(taxonomy.province_choices()) else None,
        min_bounty_fen=min_wan * FEN_PER_WAN if min_wan else None,
        phase=Phase(phase) if phase in {p.value for p in Phase} else None)
    return render_template("challenges/index.html", challenges=services.board(filters, utcnow()), filters=filters,
                           min_wan=min_wan, phases=PHASE_LABELS, now=utcnow(),
                           can_publish=services.issuer_membership(current_user) is not None)


@bp.route("/mine")
@permission(LOGIN)
def mine():
    return render_template("challenges/mine.html", challenges=services.own_challenges(current_user), now=utcnow())


def _form_page(form: ChallengeForm, challenge: Challenge | None, demand=None, *, refused: bool = False):
    form.before_render()
    return render_template("challenges/form.html", form=form, challenge=challenge, demand=demand), (
        422 if form.errors or refused else 200)


@bp.route("/new", methods=["GET", "POST"])
@permission(LOGIN)
def create():
    if services.issuer_membership(current_user) is None:
        abort(403)
    demand = None
    demand_id = _int_arg("demand_id")
    if demand_id:
        try:
            demand = services.demand_for(current_user, demand_id)
        except NotFound:
            abort(404)
    form = ChallengeForm()
    if request.method == "GET":
        if demand is not None:
            form.process(title=demand.title, goal="\n".join(filter(None, (demand.problem, demand.target_indicators))),
                         field_code=demand.field_code, region_code=demand.region_code, bounty_wan=demand.bounty)
        else:
            form.region_code.data = current_user.organisation.region_code
    if form.validate_on_submit():
        try:
            challenge = services.create(current_user, form.to_data(demand.id if demand else None),
                                        submit=request.form.get("action") == "submit")
        except services.ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        except NotAllowed as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            abort(403)
        else:
            db.session.commit()
            flash(_("Challenge sent for review.") if challenge.state is ChallengeState.PENDING
                  else _("Challenge saved as a draft."), "success")
            return redirect(url_for("challenges.detail", challenge_id=challenge.id))
        return _form_page(form, None, demand, refused=True)
    return _form_page(form, None, demand)


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not services.is_authorised(current_user, challenge):
        abort(403)
    form = ChallengeForm()
    if request.method == "GET":
        form.load(challenge)
    if form.validate_on_submit():
        try:
            services.update(current_user, challenge, form.to_data(challenge.demand_id))
            if request.form.get("action") == "submit":
                services.submit_for_review(current_user, challenge)
        except services.ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(_("Challenge sent for review.") if challenge.state is ChallengeState.PENDING
                  else _("Changes saved."), "success")
            return redirect(url_for("challenges.detail", challenge_id=challenge.id))
        return _form_page(form, challenge, challenge.demand, refused=True)
    return _form_page(form, challenge, challenge.demand)


@bp.route("/<int:challenge_id>")
@permission(PUBLIC)
def detail(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    eligibility = None
    if current_user.is_authenticated and challenge.state is ChallengeState.PUBLISHED:
        try:
            services.applicant_membership(current_user, challenge)
        except (services.ChallengeError, NotAllowed) as exc:
            eligibility = str(exc)
    return render_template("challenges/detail.html", challenge=challenge, now=utcnow(),
                           mine=services.own_application(current_user, challenge), eligibility=eligibility,
                           panel_member=services.panel_member(current_user, challenge) is not None,
                           winners=delivery.selected(challenge),
                           objections=[o for o in delivery.objections(challenge) if current_user.is_authenticated and (
                               current_user.is_operator or services.is_authorised(current_user, challenge)
                               or o.user_id == current_user.id)],
                           notice=delivery.on_notice(challenge, utcnow()),
                           task_book=challenge.state in (ChallengeState.SELECTED, ChallengeState.IMPLEMENTING,
                                                         ChallengeState.ACCEPTED)
                           and delivery.can_view_task_book(current_user, challenge),
                           authorised=services.is_authorised(current_user, challenge),
                           kind_labels={k.value: label for k, label in ORG_KIND_LABELS.items()},
                           operator=current_user.is_authenticated and current_user.is_operator)


@bp.route("/<int:challenge_id>/submit", methods=["POST"])
@permission(LOGIN)
def submit(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    return commit_action(lambda: services.submit_for_review(current_user, challenge) or _("Challenge sent for review."),
                         errors=services.ChallengeError,
                         next_url=url_for("challenges.detail", challenge_id=challenge.id))


@bp.route("/review")
@permission(OPERATOR)
def review_queue():
    return render_template("challenges/review.html", challenges=services.pending_review())


@bp.route("/<int:challenge_id>/review", methods=["POST"])
@permission(OPERATOR)
def review(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    decision = request.form.get("decision", "")

    def run():
        services.review(current_user, challenge, decision, request.form.get("reason"))
        return _("Decision recorded: “%(title)s” is now %(status)s.", title=challenge.title,
                 status=challenge.state.label)
    return commit_action(run, errors=services.ChallengeError, next_url=url_for("challenges.review_queue"))


# --- applications (揭榜申报) ----------------------------------------------------------------------

def _application_or_404(application_id: int) -> Application:
    try:
        return services.get_application(application_id, current_user)
    except NotFound:
        abort(404)


def _app_url(application: Application) -> str:
    return url_for("challenges.application", application_id=application.id)


@bp.route("/<int:challenge_id>/apply", methods=["POST"])
@permission(LOGIN)
def apply(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    try:
        application = services.start_application(current_user, challenge)
    except services.ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("challenges.detail", challenge_id=challenge.id))
    except NotAllowed:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("Draft application started. It stays private to your organisation until you submit it."), "success")
    return redirect(url_for("challenges.edit_application", application_id=application.id))


@bp.route("/applications/<int:application_id>")
@permission(LOGIN)
def application(application_id: int):
    found = _application_or_404(application_id)
    results = [r for r in services.own_results(found.organisation_id) if r.id in found.result_ids]
    return render_template("challenges/application.html", application=found, challenge=found.challenge,
                           slot=db.session.scalar(db.select(DefenceSlot).where(DefenceSlot.application_id == found.id)),
                           results=results, applicant=services.is_applicant(current_user, found),
                           operator=current_user.is_operator, now=utcnow(),
                           missing=services.missing_parts(found) if found.status in services.EDITABLE else [])


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@permission(LOGIN)
def edit_application(application_id: int):
    found = _application_or_404(application_id)
    if not services.is_applicant(current_user, found):
        abort(403)
    form = ApplicationForm()
    if request.method == "GET":
        form.load(found)
    form.prepare(found.challenge, services.own_results(found.organisation_id))
    refused = False
    if form.validate_on_submit():
        try:
            services.update_application(current_user, found, form.to_data())
            if request.form.get("action") == "submit":
                services.submit_application(current_user, found)
        except services.ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            refused = True
        else:
            db.session.commit()
            flash(_("Application submitted.") if found.status is ApplicationStatus.SUBMITTED
                  else _("Draft saved."), "success")
            return redirect(_app_url(found))
    form.before_render()
    return render_template("challenges/application_form.html", form=form, application=found,
                           challenge=found.challenge), 422 if form.errors or refused else 200


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@permission(LOGIN)
def submit_application(application_id: int):
    found = _application_or_404(application_id)
    return commit_action(lambda: services.submit_application(current_user, found) or _("Application submitted."),
                         errors=services.ChallengeError, next_url=_app_url(found))


@bp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@permission(LOGIN)
def withdraw_application(application_id: int):
    found = _application_or_404(application_id)
    return commit_action(lambda: services.withdraw_application(current_user, found) or _("Application withdrawn."),
                         errors=services.ChallengeError, next_url=_app_url(found))


@bp.route("/applications/<int:application_id>/check", methods=["POST"])
@permission(OPERATOR)
def check_application(application_id: int):
    found = _application_or_404(application_id)
    complete = request.form.get("decision") == "complete"

    def run():
        services.formal_check(current_user, found, complete, request.form.get("reason"))
        return _("Formal check recorded: %(status)s.", status=found.status.label)
    return commit_action(run, errors=services.ChallengeError, next_url=_app_url(found))


@bp.route("/<int:challenge_id>/applications")
@permission(LOGIN)
def applications(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not services.reads_applications(current_user, challenge):
        abort(403)
    return render_template("challenges/applications.html", challenge=challenge,
                           applications=services.applications_for(current_user, challenge))


# --- expert review (专家评审) ---------------------------------------------------------------------

@bp.route("/experts", methods=["GET", "POST"])
@permission(OPERATOR)
def experts():
    if request.method == "POST":
        def run():
            profile = services.save_expert_profile(
                current_user, request.form.get("email", ""), request.form.get("title", ""),
                request.form.get("affiliation", ""), request.form.getlist("fields"))
            return _("%(name)s is on the expert roster.", name=profile.user.name)
        return commit_action(run, errors=services.ChallengeError, next_url=url_for("challenges.experts"))
    return render_template("challenges/experts.html", profiles=services.roster())


@bp.route("/<int:challenge_id>/panel", methods=["GET", "POST"])
@permission(OPERATOR)
def panel(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if request.method == "POST":
        def run():
            if request.form.get("op") == "remove":
                services.remove_from_panel(current_user, challenge, _form_int("member_id"))
                return _("Removed from the panel.")
            outreach.tell_panel_member(services.add_to_panel(current_user, challenge, _form_int("user_id")))
            return _("Added to the panel; the expert is notified.")
        return commit_action(run, errors=services.ChallengeError,
                             next_url=url_for("challenges.panel", challenge_id=challenge.id))
    members = services.panel(challenge)
    on_panel = {m.user_id for m in members}
    return render_template("challenges/panel.html", challenge=challenge, members=members,
                           roster=[p for p in services.roster() if p.user_id not in on_panel])


def _form_int(name: str) -> int:
    raw = (request.form.get(name) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 9 else 0


@bp.route("/reviews")
@permission(LOGIN)
def reviews():
    return render_template("challenges/reviews.html", panels=services.expert_panels(current_user), now=utcnow())


@bp.route("/<int:challenge_id>/expert")
@permission(LOGIN)
def expert(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    member = services.panel_member(current_user, challenge)
    if member is None:
        abort(403)
    rows = []
    if member.declared_at is not None:
        rows = [(a, services.conflict(current_user, member, a), services.own_score(current_user, a))
                for a in services.candidates(challenge)]
    return render_template("challenges/expert.html", challenge=challenge, member=member, rows=rows,
                           applicants=services.declaration_list(current_user, challenge),
                           review_open=services.review_open(challenge, utcnow()))


@bp.route("/<int:challenge_id>/declare", methods=["POST"])
@permission(LOGIN)
def declare(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    org_ids = [int(v) for v in request.form.getlist("collaborations") if v.isdigit() and len(v) <= 9]

    def run():
        services.declare(current_user, challenge, org_ids, request.form.get("note"))
        return _("Declaration recorded. The applications you may review are open to you now.")
    return commit_action(run, errors=services.ChallengeError,
                         next_url=url_for("challenges.expert", challenge_id=challenge.id))


@bp.route("/applications/<int:application_id>/score", methods=["GET", "POST"])
@permission(LOGIN)
def score(application_id: int):
    found = _application_or_404(application_id)
    challenge = found.challenge
    if services.panel_member(current_user, challenge) is None:
        abort(403)
    status = 200
    if request.method == "POST":
        raw = [(request.form.get(f"points-{i}") or "").strip() for i in range(len(challenge.rubric))]
        try:
            points = [int(v) if v.lstrip("-").isdigit() and len(v) <= 4 else None for v in raw]
            if None in points:
                raise services.ChallengeError(_("Score every criterion with a whole number."))
            services.submit_score(current_user, found, points, request.form.get("comment", ""))
        except services.ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            status = 422
        except NotAllowed:
            db.session.rollback()
            abort(403)
        else:
            db.session.commit()
            flash(_("Score submitted."), "success")
            return redirect(url_for("challenges.score", application_id=found.id))
    mine = services.own_score(current_user, found)
    others = services.visible_scores(current_user, found) if mine is not None else []
    slot = db.session.scalar(db.select(DefenceSlot).where(DefenceSlot.application_id == found.id))
    return render_template("challenges/score.html", application=found, challenge=challenge, mine=mine, slot=slot,
                           may_revise=mine is not None and slot is not None and utcnow() >= slot.ends_at
                           and services.review_open(challenge, utcnow()),
                           others=others, form=request.form if status == 422 else {},
                           expert_scores={s.id: scoring.expert_score(challenge.rubric, s.points) for s in others},
                           ), status


@bp.route("/<int:challenge_id>/ranking")
@permission(LOGIN)
def ranking(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not services.may_see_ranking(current_user, challenge):
        abort(403)
    return render_template("challenges/ranking.html", challenge=challenge, ranking=services.ranking(challenge),
                           trim_from=scoring.TRIM_FROM, panel_size=len(services.panel(challenge)))


# --- selection, notice, task books, acceptance --------------------------------------------------

def _issuer_or_403(challenge_id: int) -> Challenge:
    challenge = _visible_or_404(challenge_id)
    if not services.is_authorised(current_user, challenge):
        abort(403)
    return challenge


def _detail_url(challenge: Challenge) -> str:
    return url_for("challenges.detail", challenge_id=challenge.id)


@bp.route("/<int:challenge_id>/select", methods=["GET", "POST"])
@permission(LOGIN)
def select(challenge_id: int):
    challenge = _issuer_or_403(challenge_id)
    if request.method == "POST":
        chosen = [int(v) for v in request.form.getlist("application_ids") if v.isdigit() and len(v) <= 9]

        def run():
            delivery.select(current_user, challenge, chosen, request.form.get("justification"))
            return _("Selection recorded. The result is on notice until %(when)s.",
                     when=beijing(challenge.notice_ends_at))
        return commit_action(run, errors=services.ChallengeError, next_url=_detail_url(challenge))
    return render_template("challenges/select.html", challenge=challenge, ranking=services.ranking(challenge),
                           now=utcnow())


@bp.route("/<int:challenge_id>/fail", methods=["POST"])
@permission(LOGIN)
def fail(challenge_id: int):
    challenge = _issuer_or_403(challenge_id)
    return commit_action(lambda: delivery.fail(current_user, challenge, request.form.get("reason", ""))
                         or _("The challenge ended without a winner (流榜)."),
                         errors=services.ChallengeError, next_url=_detail_url(challenge))


@bp.route("/<int:challenge_id>/republish", methods=["POST"])
@permission(LOGIN)
def republish(challenge_id: int):
    challenge = _issuer_or_403(challenge_id)
    try:
        copy = delivery.republish(current_user, challenge)
    except services.ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(_detail_url(challenge))
    db.session.commit()
    flash(_("A new draft with the same content: set the new application window and submit it."), "success")
    return redirect(url_for("challenges.edit", challenge_id=copy.id))


@bp.route("/<int:challenge_id>/objections", methods=["POST"])
@permission(LOGIN)
def object_to(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    return commit_action(lambda: delivery.lodge_objection(current_user, challenge, request.form.get("text", ""))
                         and _("Objection lodged; an operator will resolve it."),
                         errors=services.ChallengeError, next_url=_detail_url(challenge))


@bp.route("/objections/<int:objection_id>", methods=["POST"])
@permission(OPERATOR)
def resolve_objection(objection_id: int):
    objection = db.get_or_404(Objection, objection_id)
    challenge = db.session.get(Challenge, objection.challenge_id)
    return commit_action(lambda: delivery.resolve_objection(
        current_user, objection, request.form.get("decision") == "uphold", request.form.get("resolution", ""))
        or _("Objection resolved."), errors=services.ChallengeError, next_url=_detail_url(challenge))


@bp.route("/<int:challenge_id>/start", methods=["POST"])
@permission(LOGIN)
def start(challenge_id: int):
    challenge = _issuer_or_403(challenge_id)
    return commit_action(lambda: delivery.start(current_user, challenge) or _("The task books have started."),
                         errors=services.ChallengeError,
                         next_url=url_for("challenges.task_book", challenge_id=challenge.id))


@bp.route("/<int:challenge_id>/task-book")
@permission(LOGIN)
def task_book(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not delivery.can_view_task_book(current_user, challenge):
        abort(403)
    return render_template("challenges/task_book.html", challenge=challenge, teams=delivery.selected(challenge),
                           authorised=services.is_authorised(current_user, challenge), today=china_today(),
                           is_applicant=lambda a: services.is_applicant(current_user, a))


def _milestone_or_404(milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or not delivery.can_view_task_book(current_user, milestone.application.challenge):
        abort(404)
    return milestone


def _task_book_url(milestone: Milestone) -> str:
    return url_for("challenges.task_book", challenge_id=milestone.application.challenge_id)


@bp.route("/milestones/<int:milestone_id>/report", methods=["POST"])
@permission(LOGIN)
def report_milestone(milestone_id: int):
    milestone = _milestone_or_404(milestone_id)
    return commit_action(lambda: delivery.report(current_user, milestone, request.form.get("report", ""),
                                                 request.form.get("evidence", "")) or _("Progress reported."),
                         errors=services.ChallengeError, next_url=_task_book_url(milestone))


@bp.route("/milestones/<int:milestone_id>/decide", methods=["POST"])
@permission(LOGIN)
def decide_milestone(milestone_id: int):
    milestone = _milestone_or_404(milestone_id)
    accept = request.form.get("decision") == "accept"
    return commit_action(lambda: delivery.decide(current_user, milestone, accept, request.form.get("note"))
                         or (_("Milestone accepted.") if accept else _("Milestone rejected.")),
                         errors=services.ChallengeError, next_url=_task_book_url(milestone))


@bp.route("/milestones/<int:milestone_id>/payments", methods=["POST"])
@permission(LOGIN)
def record_payment(milestone_id: int):
    milestone = _milestone_or_404(milestone_id)
    if not services.is_authorised(current_user, milestone.application.challenge):
        abort(403)  # before reading the form: a refusal says nothing about the amount

    def run():
        try:
            amount = services.wan_to_fen(Decimal((request.form.get("amount_wan") or "").strip()))
            paid_on = dt.date.fromisoformat((request.form.get("paid_on") or "").strip())
        except (ValueError, InvalidOperation):
            raise services.ChallengeError(_("Give the amount in 万元 and the payment date.")) from None
        delivery.record_payment(current_user, milestone, amount, paid_on, request.form.get("reference", ""))
        return _("Payment recorded.")
    return commit_action(run, errors=services.ChallengeError, next_url=_task_book_url(milestone))


@bp.route("/<int:challenge_id>/stage-gate", methods=["POST"])
@permission(LOGIN)
def stage_gate(challenge_id: int):
    challenge = _issuer_or_403(challenge_id)
    return commit_action(lambda: delivery.stage_gate(current_user, challenge, _form_int("application_id"))
                         and _("Stage gate passed: one team continues."),
                         errors=services.ChallengeError,
                         next_url=url_for("challenges.task_book", challenge_id=challenge.id))


@bp.route("/<int:challenge_id>/accept", methods=["POST"])
@permission(LOGIN)
def accept(challenge_id: int):
    challenge = _issuer_or_403(challenge_id)
    try:
        contract = delivery.accept(current_user, challenge)
    except services.ChallengeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("challenges.task_book", challenge_id=challenge.id))
    except NotAllowed:
        db.session.rollback()
        abort(403)
    db.session.commit()
    flash(_("Final acceptance recorded. The technology contract is drafted: check it and submit it for "
            "registration."), "success")
    return redirect(url_for("contracts.detail", contract_id=contract.id))


# --- statistics ---------------------------------------------------------------------------------

def _grouping() -> str:
    grouping = request.args.get("by", "field")
    return grouping if grouping in statistics.GROUPINGS else "field"


@bp.route("/statistics")
@permission(OPERATOR)
def stats_page():
    return render_template("challenges/statistics.html", table=statistics.table(_grouping()), by=_grouping())


@bp.route("/statistics.<any(csv, xlsx):fmt>")
@permission(OPERATOR)
def stats_export(fmt: str):
    headers, rows = statistics.export_rows(statistics.table(_grouping()))
    return spreadsheets.list_download(_("Challenge statistics"), fmt, headers, rows)


# --- likely applicants -------------------------------------------------------------------------

@bp.route("/<int:challenge_id>/suggestions")
@permission(LOGIN)
def suggestions(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not (services.is_authorised(current_user, challenge) or current_user.is_operator):
        abort(403)
    try:
        found, unavailable = outreach.suggest(challenge), False
    except BackendUnavailable:
        found, unavailable = [], True
    return render_template("challenges/suggestions.html", challenge=challenge, suggestions=found,
                           unavailable=unavailable, open_now=challenge.window_open(utcnow())
                           or (challenge.state is ChallengeState.PUBLISHED and utcnow() < challenge.closes_at))


@bp.route("/<int:challenge_id>/invite", methods=["POST"])
@permission(LOGIN)
def invite(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    return commit_action(lambda: _("Invitation sent to %(n)d member(s).",
                                   n=outreach.invite(current_user, challenge, _form_int("organisation_id"))),
                         errors=services.ChallengeError,
                         next_url=url_for("challenges.suggestions", challenge_id=challenge.id))


# --- attachments -------------------------------------------------------------------------------

@bp.route("/applications/<int:application_id>/attachments", methods=["POST"])
@permission(LOGIN)
def add_attachment(application_id: int):
    found = _application_or_404(application_id)

    def run():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise services.ChallengeError(_("Choose a file."))
        data = upload.stream.read(services.MAX_ATTACHMENT_BYTES + 1)
        services.add_attachment(current_user, found, upload.filename, data, Path(current_app.config["UPLOAD_DIR"]))
        return _("File attached.")
    return commit_action(run, errors=services.ChallengeError, next_url=_app_url(found))


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>/delete", methods=["POST"])
@permission(LOGIN)
def remove_attachment(application_id: int, attachment_id: int):
    found = _application_or_404(application_id)
    return commit_action(lambda: services.remove_attachment(current_user, found, attachment_id)
                         or _("File removed."), errors=services.ChallengeError, next_url=_app_url(found))


@bp.route("/applications/<int:application_id>/attachments/<int:attachment_id>")
@permission(LOGIN)
def attachment(application_id: int, attachment_id: int):
    found = _application_or_404(application_id)
    item = next((a for a in found.attachments if a.id == attachment_id), None)
    if item is None:
        abort(404)
    path = Path(current_app.config["UPLOAD_DIR"]) / item.stored_name
    if not path.is_file():
        abort(404)
    # always a download: an uploaded file must never render in our origin
    return send_file(path, mimetype=item.content_type, as_attachment=True, download_name=item.filename)


# --- defence (答辩) -----------------------------------------------------------------------------

@bp.route("/<int:challenge_id>/defence", methods=["GET", "POST"])
@permission(LOGIN)
def defence(challenge_id: int):
    challenge = _visible_or_404(challenge_id)
    if not (services.is_authorised(current_user, challenge) or current_user.is_operator):
        abort(403)
    if request.method == "POST":
        def run():
            try:
                day = dt.date.fromisoformat((request.form.get("day") or "").strip())
                time = dt.time.fromisoformat((request.form.get("time") or "").strip())
                minutes = int((request.form.get("minutes") or "").strip())
            except ValueError:
                raise services.ChallengeError(_("Give the date, the time (Beijing) and the length in minutes.")) \
                    from None
            services.schedule_defence(current_user, challenge, _form_int("application_id"),
                                      dt.datetime.combine(day, time, CHINA).astimezone(dt.UTC), minutes,
                                      request.form.get("place", ""))
            return _("Defence slot scheduled.")
        return commit_action(run, errors=services.ChallengeError,
                             next_url=url_for("challenges.defence", challenge_id=challenge.id))
    scheduled = {s.application_id for s in services.defence_slots(challenge)}
    return render_template("challenges/defence.html", challenge=challenge, slots=services.defence_slots(challenge),
                           unscheduled=[a for a in services.candidates(challenge) if a.id not in scheduled],
                           today=china_today())


@bp.route("/defence/<int:slot_id>.ics")
@permission(LOGIN)
def defence_ics(slot_id: int):
    slot = db.session.get(DefenceSlot, slot_id)
    if slot is None or not services.can_see_defence(current_user, slot):
        abort(404)
    url = url_for("challenges.detail", challenge_id=slot.challenge_id, _external=True)
    return ics.defence(slot, url, request.host), 200, {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": f'attachment; filename="defence-{slot.id}.ics"'}


@bp.route("/scores/<int:score_id>/revise", methods=["POST"])
@permission(LOGIN)
def revise_score(score_id: int):
    found = db.session.get(Score, score_id)
    if found is None or found.expert_id != current_user.id:
        abort(404)

    def run():
        raw = [(request.form.get(f"points-{i}") or "").strip() for i in range(len(found.application.challenge.rubric))]
        if not all(v.isdigit() and len(v) <= 4 for v in raw):
            raise services.ChallengeError(_("Score every criterion with a whole number."))
        services.revise_score(current_user, found, [int(v) for v in raw], request.form.get("comment", ""),
                              request.form.get("reason", ""))
        return _("Score revised; the earlier score stays in the history.")
    return commit_action(run, errors=services.ChallengeError,
                         next_url=url_for("challenges.score", application_id=found.application_id))
