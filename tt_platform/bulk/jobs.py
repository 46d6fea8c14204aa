"""Import jobs: upload → check (the preview) → the owner's confirmation → import in one transaction.

CHECKING → PREVIEWED → IMPORTING → IMPORTED, or DISCARDED / FAILED. A small file is checked and
imported inside the request; a large one (over IMPORT_BACKGROUND_BYTES) is left in CHECKING or
IMPORTING for a background worker (`bulk/worker.py`), and the page follows its progress. The
uploaded bytes are kept under UPLOAD_DIR/imports (outside the web root) only while the job is open;
importing reads them again and runs the same checks, because the platform may have changed since the
preview. Services never commit; the view, command or worker does, once.
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
from tt_platform.bulk import files, progress, services
from tt_platform.bulk.models import ImportJob, ImportStatus
from tt_platform.database import db, utcnow


class JobProblem(Exception):
    """Why a job cannot go on; a message for the user."""


def _limits() -> files.Limits:
    return files.Limits(max_bytes=current_app.config["IMPORT_MAX_BYTES"])


def start(user: User, kind: services.ImportKind, organisation: Organisation | None, filename: str, data: bytes, *,
          encoding: str | None, sheet: str | None, options: services.Options,
          store: Callable[[bytes, str], str]) -> ImportJob:
    """Refuse what can be refused at once (who imports for whom, an unreadable file, missing
    columns are found by the check), keep the file, and open a job in the CHECKING state. The
    caller either checks it at once (`check`, small files) or commits and lets a worker do it."""
    organisation = services.check_target(user, kind, organisation)
    if options.publish and not user.is_operator:
        raise services.ImportRefused(_("Only operators publish imported listings directly."))
    files.read_table(data, filename, encoding=encoding, sheet=sheet, limits=_limits())  # file-level problems now
    # an organisations import belongs to no organisation of its rows: the job is filed under the operator's
    job = ImportJob(kind=kind.name, user_id=user.id, filename=filename[-255:],
                    organisation_id=organisation.id if organisation else user.memberships[0].organisation_id,
                    size=len(data), encoding=encoding, sheet=sheet, update_existing=options.update_existing,
                    publish=options.publish, report={}, status=ImportStatus.CHECKING,
                    stored_name=store(data, Path(filename).suffix.lower()[:10]))
    db.session.add(job)
    db.session.flush()  # id for the audit row
    audit.record(user, "import_job", job.id, "uploaded", note=f"{kind.name}: {filename[-200:]}")
    return job


def check(job: ImportJob, folder: Path, on_row: Callable[[int], None] | None = None) -> None:
    """Check every row of a CHECKING job (nothing of the file is written): the preview."""
    kind, user = services.KINDS[job.kind], job.user
    table = _table(job, folder)
    report = services.run(kind, table, user, job.organisation if kind.role else None, _options(job),
                          write=False, progress=on_row)
    job.report, job.status = report.to_json(), ImportStatus.PREVIEWED
    audit.record(user, "import_job", job.id, "previewed", data=report.counts())


def confirm(user: User, job: ImportJob, *, accept_warnings: bool) -> None:
    """The uploader confirms a previewed file without errors: the job moves to IMPORTING. The caller
    runs `import_rows` at once (small files) or commits and lets a worker do it."""
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
    job.status = ImportStatus.IMPORTING
    audit.record(user, "import_job", job.id, "confirmed")


def import_rows(job: ImportJob, folder: Path, on_row: Callable[[int], None] | None = None,
                on_saved: Callable[[list], None] | None = None) -> None:
    """Import an IMPORTING job for real, all rows or none. The file is read and checked again, because
    the platform may have changed since the preview; with an error now, nothing is written and the job
    goes back to PREVIEWED with the new report."""
    kind, user = services.KINDS[job.kind], job.user
    table = _table(job, folder)
    report = services.run(kind, table, user, job.organisation if kind.role else None, _options(job),
                          write=True, progress=on_row, on_saved=on_saved)
    job.report = report.to_json()
    if report.written:
        job.status, job.finished_at = ImportStatus.IMPORTED, utcnow()
        audit.record(user, "import_job", job.id, "imported", data=report.counts())
    else:
        job.status = ImportStatus.PREVIEWED


def fail(job: ImportJob, message: str) -> None:
    """A background run stopped on an unexpected error; nothing of the file was written."""
    job.status, job.finished_at = ImportStatus.FAILED, utcnow()
    job.report = {**(job.report or {}), "file_errors": [message]}
    audit.record(None, "import_job", job.id, "failed")


def _table(job: ImportJob, folder: Path) -> files.Table:
    if not job.stored_name or not (folder / job.stored_name).exists():
        raise files.FileProblem(_("The uploaded file is no longer there; upload it again."))
    data = (folder / job.stored_name).read_bytes()
    return files.read_table(data, job.filename, encoding=job.encoding, sheet=job.sheet, limits=_limits())


def _options(job: ImportJob) -> services.Options:
    return services.Options(update_existing=job.update_existing, publish=job.publish)


def rows_expected(job: ImportJob, folder: Path) -> int | None:
    """How many rows the stored file says it has (for the progress bar), None when it does not say."""
    if job.report.get("counts", {}).get("rows"):
        return job.report["counts"]["rows"]
    try:
        return _table(job, folder).size_hint
    except files.FileProblem:
        return None


def discard(user: User, job: ImportJob) -> None:
    job.status, job.finished_at = ImportStatus.DISCARDED, utcnow()
    audit.record(user, "import_job", job.id, "discarded")


def remove_file(job: ImportJob, folder: Path) -> None:
    """After the commit: an ended job's upload (and its progress file) is deleted; its report stays."""
    if job.status in (ImportStatus.IMPORTED, ImportStatus.FAILED, ImportStatus.DISCARDED) and job.stored_name:
        (folder / job.stored_name).unlink(missing_ok=True)
        progress.path_for(folder, job.stored_name).unlink(missing_ok=True)
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
