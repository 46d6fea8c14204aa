"""Background runs of large imports: a thread of the web process (the embedded default) or
`flask import work [--loop]` (several web processes: IMPORT_WORKER=cli).

A run claims its job by moving the job's `attempt` counter from the value it read (compare-and-set,
committed at once), so two workers never run the same job. The run checks or imports the file in
one transaction, reporting its progress to a file (see progress.py), and commits once. A job whose
run stopped reporting (the process died) is taken up again by the next claim, from the start: the
import is all or nothing, so a half-done run left nothing behind.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from tt_platform.bulk import files, jobs, progress, services
from tt_platform.bulk.index_feed import IndexFeed
from tt_platform.bulk.models import ImportJob, ImportStatus
from tt_platform.database import db

log = logging.getLogger(__name__)


def folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "imports"


def in_background(job: ImportJob) -> bool:
    """Whether this job's work should leave the request (its file is large)."""
    return job.size > current_app.config["IMPORT_BACKGROUND_BYTES"]


def snapshot(job: ImportJob) -> progress.Snapshot | None:
    if not job.stored_name:
        return None
    return progress.read(progress.path_for(folder(), job.stored_name))


def interrupted(job: ImportJob) -> bool:
    """A job waiting for a run that has started and stopped reporting (its process died)."""
    if not job.status.in_background or job.attempt == 0:
        return False
    seen = snapshot(job)
    return seen is not None and seen.stale


def runnable(job: ImportJob) -> bool:
    """Waiting for a run: in CHECKING or IMPORTING, and no live run reports on it."""
    if not job.status.in_background or not job.stored_name:
        return False
    seen = snapshot(job)
    return seen is None or seen.stale


def _claim(job_id: int, seen: int) -> bool:
    """Move the job's run counter from the value this worker read; only one of two racing workers can."""
    moved = db.session.execute(
        sa.update(ImportJob).where(ImportJob.id == job_id, ImportJob.attempt == seen,
                                   ImportJob.status.in_([ImportStatus.CHECKING, ImportStatus.IMPORTING]))
        .values(attempt=seen + 1).execution_options(synchronize_session=False))
    db.session.commit()
    return moved.rowcount == 1


def run(job_id: int, locale: str | None = None) -> bool:
    """Claim and run one job; False when it is not waiting or another run has it."""
    job = db.session.get(ImportJob, job_id)
    if job is None or not runnable(job):
        db.session.rollback()
        return False
    if not _claim(job.id, job.attempt):
        return False
    where = folder()
    stored = job.stored_name
    phase = job.status.value
    with force_locale(locale or job.user.locale or current_app.config["DEFAULT_LOCALE"]):
        heartbeat = progress.path_for(where, stored)
        progress.Reporter(heartbeat, phase, None)  # claimed: the page shows the run as started at once
        # the embedded set-up indexes in-process: alongside the import rather than after it
        feed = IndexFeed() if current_app.config["SEARCH_DRAIN_IN_REQUEST"] else None
        try:
            reporter = progress.Reporter(heartbeat, phase, jobs.rows_expected(job, where))
            if job.status is ImportStatus.CHECKING:
                jobs.check(job, where, reporter)
            else:
                jobs.import_rows(job, where, reporter, on_saved=feed)
            db.session.commit()
        except (files.FileProblem, services.ImportRefused) as exc:
            _record_failure(job_id, str(exc))
        except Exception:
            log.exception("import job %s: the background run failed", job_id)
            _record_failure(job_id, _("The import stopped on an unexpected error; nothing was written. "
                                      "Upload the file again, or ask an operator."))
        job = db.session.get(ImportJob, job_id)
        if feed is not None:
            if job.status is ImportStatus.IMPORTED:
                progress.Reporter(heartbeat, "indexing", None)
                _publish(feed)
            else:
                feed.abandon()
    heartbeat.unlink(missing_ok=True)
    jobs.remove_file(job, where)
    db.session.commit()
    return True


def _record_failure(job_id: int, message: str) -> None:
    db.session.rollback()
    jobs.fail(db.session.get(ImportJob, job_id), message)
    db.session.commit()


def _publish(feed: IndexFeed) -> None:
    """Make the imported listings searchable; a failure leaves their outbox rows for the next drain."""
    try:
        feed.finish()
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("indexing after an import failed; rows stay in the outbox")


def waiting() -> list[int]:
    """Ids of the jobs a worker should take up, oldest first."""
    candidates = db.session.scalars(sa.select(ImportJob).where(
        ImportJob.status.in_([ImportStatus.CHECKING, ImportStatus.IMPORTING])).order_by(ImportJob.id)).all()
    return [job.id for job in candidates if runnable(job)]


def start_thread(app: Flask, job_id: int, locale: str | None) -> threading.Thread:
    """The embedded default: run the job in a thread of this process, right after the request committed."""
    def target():
        with app.app_context():
            try:
                run(job_id, locale)
            finally:
                db.session.remove()

    thread = threading.Thread(target=target, name=f"import-job-{job_id}", daemon=True)
    thread.start()
    return thread
