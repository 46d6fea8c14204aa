"""Bulk import pages: template download → upload → preview with the row report → confirm."""
from __future__ import annotations

import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tt_platform import uploads
from tt_platform.accounts.models import Organisation
from tt_platform.bulk import files, jobs, portability, services, template, worker
from tt_platform.bulk.forms import ConfirmForm, UploadForm
from tt_platform.bulk.models import ImportJob, ImportStatus
from tt_platform.database import db, parse_id
from tt_platform.forms import choice_list
from tt_platform.security import LOGIN, permission

bp = Blueprint("bulk", __name__, url_prefix="/imports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _kind(name: str) -> services.ImportKind:
    kind = services.KINDS.get(name)
    if kind is None:
        abort(404)
    return kind


@bp.route("/")
@permission(LOGIN)
def index():
    recent = jobs.recent_for(current_user)
    kinds = {name: kind for name, kind in services.KINDS.items() if services.may_import(current_user, kind)}
    owners = {name: services.importing_organisations(current_user, kind) for name, kind in kinds.items()
              if kind.create is not None}
    return render_template("bulk/index.html", kinds=kinds, recent=recent, owners=owners)


@bp.route("/template/<kind_name>.xlsx")
@permission(LOGIN)
def template_download(kind_name: str):
    kind = _kind(kind_name)
    body = template.template_xlsx(kind.layout, str(kind.label))
    return body, 200, {"Content-Type": XLSX,
                       "Content-Disposition": f'attachment; filename="import-template-{kind.name}.xlsx"'}


@bp.route("/<kind_name>/existing.xlsx")
@permission(LOGIN)
def existing_download(kind_name: str):
    """An organisation's listings as a filled template: edit the rows, re-import with “update existing”."""
    kind = _kind(kind_name)
    if kind.create is None:
        abort(404)  # organisations and contracts are not edited this way
    organisation = db.session.get(Organisation, parse_id(request.args.get("organisation_id")) or 0)
    if organisation is None or organisation not in services.importing_organisations(current_user, kind):
        abort(404)
    listings = db.session.scalars(sa.select(kind.model).where(kind.model.organisation_id == organisation.id)
                                  .order_by(kind.model.id)).all()
    body = template.template_xlsx(kind.layout, str(kind.label), rows=template.listing_rows(kind, listings))
    return body, 200, {"Content-Type": XLSX, "Cache-Control": "no-store",
                       "Content-Disposition": f'attachment; filename="{kind.name}-{organisation.id}.xlsx"'}


@bp.route("/<kind_name>/new", methods=["GET", "POST"])
@permission(LOGIN)
def upload(kind_name: str):
    kind = _kind(kind_name)
    if not services.may_import(current_user, kind):
        abort(403)
    # this page alone takes bodies up to the import limit (a 50,000-row workbook is ~24 MB)
    request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + 64 * 1024
    form = UploadForm()
    if kind.role is None:
        del form.organisation_id  # organisations are imported for no one but themselves
    else:
        allowed = services.importing_organisations(current_user, kind)
        form.organisation_id.choices = choice_list([(org.id, org.name) for org in allowed])
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data) if kind.role else None
        data = form.file.data.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        try:
            job = jobs.start(current_user, kind, organisation, form.file.data.filename or "upload", data,
                             encoding=form.encoding.data or None, sheet=(form.sheet.data or "").strip() or None,
                             options=services.Options(update_existing=form.update_existing.data,
                                                      publish=form.publish.data),
                             store=_store)
            if not worker.in_background(job):
                jobs.check(job, _folder())
        except (services.ImportRefused, files.FileProblem) as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            _hand_over(job)
            return redirect(url_for("bulk.detail", job_id=job.id))
    elif form.errors:
        flash(_("Please correct the highlighted fields."), "danger")
    return render_template("bulk/upload.html", form=form, kind=kind)


def _hand_over(job: ImportJob) -> None:
    """After the commit: a job left for the background goes to this process's worker thread (the
    embedded default) or waits for `flask import work`."""
    if job.status.in_background and current_app.config["IMPORT_WORKER"] == "thread":
        worker.start_thread(current_app._get_current_object(), job.id, str(get_locale()))


def _store(data: bytes, suffix: str) -> str:
    """Keep the upload outside the web root until the import ends; returns its stored name."""
    name = secrets.token_hex(16) + suffix
    uploads.write_file(Path(current_app.config["UPLOAD_DIR"]) / "imports" / name, data)  # full disk: a 503, no job
    return name


def _job(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id)
    if job is None or not jobs.may_see(current_user, job):
        abort(404)
    return job


@bp.route("/<int:job_id>")
@permission(LOGIN)
def detail(job_id: int):
    job = _job(job_id)
    return render_template("bulk/detail.html", job=job, kind=services.KINDS[job.kind], form=ConfirmForm(),
                           report=job.report, statuses=ImportStatus, interrupted=worker.interrupted(job),
                           snapshot=worker.snapshot(job))


@bp.route("/<int:job_id>/progress.json")
@permission(LOGIN)
def progress_json(job_id: int):
    """What the page's progress bar polls: the job's status and, while a run works on it, how far it got."""
    job = _job(job_id)
    seen = worker.snapshot(job) if job.status.in_background else None
    body = {"status": job.status.value, "label": job.status.label, "running": job.status.in_background,
            "interrupted": worker.interrupted(job), "phase": seen.phase if seen else None,
            "done": seen.done if seen else 0, "total": seen.total if seen else None,
            "percent": seen.percent if seen else None}
    return jsonify(body), 200, {"Cache-Control": "no-store"}


@bp.route("/<int:job_id>/confirm", methods=["POST"])
@permission(LOGIN)
def confirm(job_id: int):
    job = _job(job_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        jobs.confirm(current_user, job, accept_warnings=form.accept_warnings.data)
        if not worker.in_background(job):
            jobs.import_rows(job, _folder())
    except (jobs.JobProblem, files.FileProblem) as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("bulk.detail", job_id=job.id))
    db.session.commit()
    if job.status.in_background:
        _hand_over(job)
        flash(_("The import runs in the background; this page shows how far it has got."), "info")
        return redirect(url_for("bulk.detail", job_id=job.id))
    jobs.remove_file(job, _folder())
    db.session.commit()
    if job.status is ImportStatus.IMPORTED:
        flash(_("Imported: %(n)d created, %(u)d updated.", n=job.report["counts"]["created"],
                u=job.report["counts"]["updated"]), "success")
    else:
        flash(_("The file has errors now (the platform changed since the preview): nothing was imported."), "danger")
    return redirect(url_for("bulk.detail", job_id=job.id))


@bp.route("/<int:job_id>/resume", methods=["POST"])
@permission(LOGIN)
def resume(job_id: int):
    """Start an interrupted background run again (the uploader or an operator)."""
    job = _job(job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if worker.interrupted(job):
        if current_app.config["IMPORT_WORKER"] == "thread":
            worker.start_thread(current_app._get_current_object(), job.id, str(get_locale()))
        flash(_("The import starts again from the first row (nothing of the stopped run was written)."), "info")
    return redirect(url_for("bulk.detail", job_id=job.id))


@bp.route("/<int:job_id>/discard", methods=["POST"])
@permission(LOGIN)
def discard(job_id: int):
    job = _job(job_id)
    if ConfirmForm().validate_on_submit() and (job.status is ImportStatus.PREVIEWED or worker.interrupted(job)):
        jobs.discard(current_user, job)
        db.session.commit()
        jobs.remove_file(job, _folder())
        db.session.commit()
        flash(_("Import discarded; the uploaded file is deleted."), "success")
    return redirect(url_for("bulk.index"))


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "imports"


@bp.route("/organisation/<int:org_id>/export.zip")
@permission(LOGIN)
def organisation_export(org_id: int):
    """Everything the organisation owns, for its admins (data portability)."""
    organisation = db.session.get(Organisation, org_id)
    if organisation is None:
        abort(404)
    # NotAllowed → 403
    body = portability.export_zip(current_user, organisation, Path(current_app.config["UPLOAD_DIR"]))
    return body, 200, {"Content-Type": "application/zip",
                       "Content-Disposition": f'attachment; filename="organisation-{organisation.id}-data.zip"'}
