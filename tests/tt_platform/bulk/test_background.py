"""Large imports in the background: the job waits for a worker, reports its progress, survives the death
of its run, and a worker claims a job only once."""
from __future__ import annotations

import io
import json
import time

import pytest
import sqlalchemy as sa

from tests.factories import make_org, make_user
from tests.sheets import xlsx_of as xlsx_bytes
from tests.tt_platform.bulk.test_import import count, result_row
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry
from tt_platform.bulk import files, jobs, progress, services, worker
from tt_platform.bulk.models import ImportJob, ImportStatus
from tt_platform.indexing.outbox import SearchOutbox


@pytest.fixture
def background(app, monkeypatch, tmp_path):
    """Every upload goes to the background, and no thread picks it up: the test runs the worker."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "IMPORT_BACKGROUND_BYTES", 0)
    monkeypatch.setitem(app.config, "IMPORT_WORKER", "cli")
    return tmp_path / "imports"


@pytest.fixture
def university(db):
    org = make_org(OrgKind.UNIVERSITY)
    return org, make_user(org, admin=True)


def upload(client, org, rows) -> None:
    response = client.post("/imports/results/new", data={
        "organisation_id": org.id, "file": (io.BytesIO(xlsx_bytes(rows)), "成果.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)


def job_of(db, user) -> ImportJob:
    job = db.session.scalar(sa.select(ImportJob).where(ImportJob.user_id == user.id).order_by(ImportJob.id.desc()))
    db.session.refresh(job)
    return job


def test_a_large_file_is_checked_and_imported_by_the_worker_with_its_progress_shown(
        app, db, login, background, university, index):
    org, admin = university
    client = login(admin)
    upload(client, org, [result_row(n) for n in range(1, 31)])
    job = job_of(db, admin)
    assert job.status is ImportStatus.CHECKING and job.report == {}
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert 'id="import-progress"' in page and "import-progress.js" in page and "confirm-form" not in page
    state = client.get(f"/imports/{job.id}/progress.json").get_json()
    assert state["running"] is True and state["status"] == "checking" and state["done"] == 0

    runner = app.test_cli_runner()
    assert f"import job {job.id} done" in runner.invoke(args=["import", "work"]).output
    job = job_of(db, admin)
    assert job.status is ImportStatus.PREVIEWED and job.report["counts"]["rows"] == 30
    assert count(db, Achievement, organisation_id=org.id) == 0  # a check writes nothing
    assert not progress.path_for(background, job.stored_name).exists()  # the run's heartbeat is gone
    assert client.get(f"/imports/{job.id}/progress.json").get_json()["running"] is False

    client.post(f"/imports/{job.id}/confirm", data={})
    job = job_of(db, admin)
    assert job.status is ImportStatus.IMPORTING
    assert count(db, Achievement, organisation_id=org.id) == 0  # the request only queued it
    assert runner.invoke(args=["import", "work"]).exit_code == 0
    job = job_of(db, admin)
    assert job.status is ImportStatus.IMPORTED and job.report["counts"]["created"] == 30
    assert count(db, Achievement, organisation_id=org.id) == 30
    assert job.stored_name is None and not list(background.iterdir())
    # indexed alongside the import, searchable once it committed
    ids = db.session.scalars(sa.select(Achievement.id).where(Achievement.organisation_id == org.id)).all()
    assert set(index.versions()) == {f"achievement:{i}" for i in ids}
    assert count(db, SearchOutbox, processed_at=None) == 0
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "import_job",
                                                                    AuditEntry.entity_id == job.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["uploaded", "previewed", "confirmed", "imported"]
    # a second look finds nothing to do
    assert "done" not in runner.invoke(args=["import", "work"]).output


def test_the_progress_file_reports_rows_as_the_run_goes(app, db, background, university, monkeypatch):
    org, admin = university
    seen: list[tuple[str, int, int | None]] = []
    original = progress.Reporter.write

    def spy(self):
        original(self)
        seen.append((self.phase, self.done, self.total))

    monkeypatch.setattr(progress, "_EVERY", 0.0)  # write on every row, so the test sees each step
    monkeypatch.setattr(progress.Reporter, "write", spy)
    rows = xlsx_bytes([result_row(n) for n in (1, 2, 3)])
    with app.test_request_context():
        job = jobs.start(admin, services.KINDS["results"], org, "r.xlsx", rows,
                         encoding=None, sheet=None, options=services.Options(),
                         store=lambda data, suffix: _keep(background, data, suffix))
        db.session.commit()
        assert worker.run(job.id)
    assert seen[0] == ("checking", 0, None) and seen[1] == ("checking", 0, 3) and seen[-1] == ("checking", 3, 3)
    assert [done for _phase, done, _total in seen] == sorted(done for _phase, done, _total in seen)


def _keep(folder, data, suffix) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"t{time.monotonic_ns()}{suffix}"
    (folder / name).write_bytes(data)
    return name


def test_an_interrupted_run_is_shown_and_resumed_and_a_live_one_is_left_alone(
        app, db, login, background, university):
    org, admin = university
    client = login(admin)
    upload(client, org, [result_row(n) for n in (1, 2)])
    job = job_of(db, admin)
    heartbeat = progress.path_for(background, job.stored_name)

    # a run claimed the job and is alive: nobody else takes it
    job.attempt = 1
    db.session.commit()
    progress.Reporter(heartbeat, "checking", 2)
    assert worker.waiting() == [] and not worker.run(job.id)
    assert client.get(f"/imports/{job.id}/progress.json").get_json()["interrupted"] is False

    # its process died: the heartbeat stops moving
    state = json.loads(heartbeat.read_text())
    heartbeat.write_text(json.dumps({**state, "at": time.time() - progress.STALE_AFTER - 1}))
    assert client.get(f"/imports/{job.id}/progress.json").get_json()["interrupted"] is True
    page = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert 'id="import-interrupted"' in page and "import-progress.js" not in page
    assert worker.waiting() == [job.id]
    assert worker.run(job.id)
    job = job_of(db, admin)
    assert job.status is ImportStatus.PREVIEWED and job.attempt == 2


def test_two_workers_never_run_one_job(app, db, login, background, university):
    org, admin = university
    upload(login(admin), org, [result_row(1)])
    job = job_of(db, admin)
    read_by_both = job.attempt  # two workers read the job before either claimed it
    assert worker._claim(job.id, read_by_both)
    assert not worker._claim(job.id, read_by_both)
    db.session.refresh(job)
    assert job.attempt == read_by_both + 1


def test_a_run_that_cannot_read_its_file_fails_with_a_message_and_writes_nothing(
        app, db, login, background, university):
    org, admin = university
    client = login(admin)
    upload(client, org, [result_row(1)])
    job = job_of(db, admin)
    (background / job.stored_name).unlink()
    assert worker.run(job.id)
    job = job_of(db, admin)
    assert job.status is ImportStatus.FAILED and job.report["file_errors"]
    assert "confirm-form" not in client.get(f"/imports/{job.id}").get_data(as_text=True)


def test_an_unexpected_error_fails_the_job_and_rolls_back_its_rows(app, db, login, background, university,
                                                                    monkeypatch):
    org, admin = university
    client = login(admin)
    upload(client, org, [result_row(1), result_row(2)])
    job = job_of(db, admin)
    assert worker.run(job.id)
    client.post(f"/imports/{job.id}/confirm", data={})

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(files, "read_table", broken)
    assert worker.run(job.id)
    job = job_of(db, admin)
    assert job.status is ImportStatus.FAILED and "disk on fire" not in json.dumps(job.report)
    assert count(db, Achievement, organisation_id=org.id) == 0


def test_progress_of_another_users_job_is_not_found(app, db, login, background, university):
    org, admin = university
    upload(login(admin), org, [result_row(1)])
    job = job_of(db, admin)
    assert login(make_user(org)).get(f"/imports/{job.id}/progress.json").status_code == 404
    assert login(make_user(org)).post(f"/imports/{job.id}/resume", data={}).status_code == 404


def test_the_size_hint_of_each_format(app):
    rows = [result_row(n) for n in range(1, 8)]
    with app.test_request_context():
        assert files.read_table(xlsx_bytes(rows), "r.xlsx").size_hint == 7
        text = "a,b\n" + "".join(f"{n},x\n" for n in range(5))
        assert files.read_table(text.encode(), "r.csv").size_hint == 5
        lines = "".join(json.dumps({"a": n}) + "\n" for n in range(4))
        assert files.read_table(lines.encode(), "r.jsonl").size_hint == 4
