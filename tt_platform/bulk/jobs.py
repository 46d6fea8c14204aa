"""Import jobs: a previewed file waits for its owner's confirmation, then is imported in one transaction.

The uploaded bytes are kept under UPLOAD_DIR/imports (outside the web root) only while the job is
open; confirming reads them again and runs the same checks, because the platform may have changed
since the preview. Services never commit; the view or command does, once.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from tt_platform.accounts.models import Organisation, User
from tt_platform.audit import models as audit
from tt_platform.bulk import files, services
from tt_platform.bulk.models import ImportJob, ImportStatus
from tt_platform.database import db, utcnow


class JobProblem(Exception):
    """Why a job cannot go on; a message for the user."""


def _limits() -> files.Limits:
    return files.Limits(max_bytes=current_app.config["IMPORT_MAX_BYTES"])


def preview(user: User, kind: services.ImportKind, organisation: Organisation | None, filename: str, data: bytes, *,
            encoding: str | None, sheet: str | None, options: services.Options,
            store: Callable[[bytes, str], str]) -> ImportJob:
    """Check every row (nothing of the file is written) and keep the file for the confirmation."""
    organisation = services.check_target(user, kind, organisation)
    if options.publish and not user.is_operator:
        raise services.ImportRefused(_("Only operators publish imported listings directly."))
    table = files.read_table(data, filename, encoding=encoding, sheet=sheet, limits=_limits())
    report = services.run(kind, table, user, organisation, options, write=False)
    # an organisations import belongs to no organisation of its rows: the job is filed under the operator's
    job = ImportJob(kind=kind.name, user_id=user.id, filename=filename[-255:],
                    organisation_id=organisation.id if organisation else user.memberships[0].organisation_id,
                    size=len(data), encoding=encoding, sheet=sheet, update_existing=options.update_existing,
                    publish=options.publish, report=report.to_json(),
                    stored_name=store(data, Path(filename).suffix.lower()[:10]))
    db.session.add(job)
    db.session.flush()  # id for the audit row
    audit.record(user, "import_job", job.id, "previewed", note=f"{kind.name}: {filename[-200:]}")
    return job


def confirm(user: User, job: ImportJob, *, accept_warnings: bool, folder: Path) -> None:
    """Import the previewed file for real: all rows or none. Sets the job's status and report."""
    if job.user_id != user.id:
        raise JobProblem(_("Only the person who uploaded the file confirms its import."))
    if job.status is not ImportStatus.PREVIEWED or not job.stored_name:
        raise JobProblem(_("This import has already ended."))
    if job.report.get("counts", {}).get("error") or job.report.get("file_errors"):
        raise JobProblem(_("Fix the errors in the file and upload it again: nothing is imported while a row "
                           "has an error."))
    has_warnings = job.report.get("file_warnings") or any(r["warnings"] for r in job.report.get("rows", []))
    if has_warnings and not accept_warnings:
        raise JobProblem(_("Tick that you have read the warnings to import anyway."))
    data = (folder / job.stored_name).read_bytes()
    kind = services.KINDS[job.kind]
    table = files.read_table(data, job.filename, encoding=job.encoding, sheet=job.sheet, limits=_limits())
    report = services.run(kind, table, user, job.organisation if kind.role else None,
                          services.Options(update_existing=job.update_existing, publish=job.publish), write=True)
    job.report = report.to_json()
    if report.written:
        job.status, job.finished_at = ImportStatus.IMPORTED, utcnow()
        audit.record(user, "import_job", job.id, "imported", data=report.counts())


def discard(user: User, job: ImportJob) -> None:
    job.status, job.finished_at = ImportStatus.DISCARDED, utcnow()
    audit.record(user, "import_job", job.id, "discarded")


def remove_file(job: ImportJob, folder: Path) -> None:
    """After the commit: an ended job's upload is deleted (its report stays)."""
    if job.status is not ImportStatus.PREVIEWED and job.stored_name:
        (folder / job.stored_name).unlink(missing_ok=True)
        job.stored_name = None


def may_see(user: User, job: ImportJob) -> bool:
    return job.user_id == user.id or user.is_operator


def recent_for(user: User, limit: int = 20) -> list[ImportJob]:
    stmt = sa.select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
    if not user.is_operator:
        stmt = stmt.where(ImportJob.user_id == user.id)
    return db.session.scalars(stmt).all()


def expire_stale(older_than: dt.timedelta) -> list[ImportJob]:
    """Previews nobody confirmed, ended after `older_than` (for cron). The caller commits, then removes
    their files with `remove_file`, so a file goes only once its job is recorded as ended."""
    cutoff = utcnow() - older_than
    stale = db.session.scalars(sa.select(ImportJob).where(ImportJob.status == ImportStatus.PREVIEWED,
                                                          ImportJob.created_at < cutoff)).all()
    for job in stale:
        job.status, job.finished_at = ImportStatus.DISCARDED, utcnow()
        audit.record(None, "import_job", job.id, "expired")
    return stale
