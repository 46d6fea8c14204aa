import datetime as dt

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.backends.base import BackendUnavailable
from tests.factories import make_achievement, make_demand, make_org, make_user
from tests.tt_platform.listings.test_lifecycle import demand_form
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.database import db as _db
from tt_platform.demands.models import Demand
from tt_platform.indexing import sync
from tt_platform.indexing.outbox import SearchOutbox, enqueue, pending_count
from tt_platform.listings.models import ListingStatus


def test_a_request_that_changes_a_listing_updates_the_index(login, db, index):
    owner = make_user(admin=True)
    response = login(owner).post("/demands/new", data=demand_form())
    assert response.status_code == 302
    demand = db.session.scalar(sa.select(Demand))
    doc = index.get(f"demand:{demand.id}")
    assert doc is not None and doc.title == demand.title and doc.public is False  # a draft
    assert pending_count() == 0


def test_rolled_back_change_leaves_no_outbox_row(db):
    org = make_org()
    before = pending_count()
    with db.session.begin_nested() as nested:
        make_demand(org)
        enqueue("demand", 12345)
        nested.rollback()
    assert pending_count() == before


def test_drain_collapses_rows_and_deletes_missing(db, index):
    demand = make_demand()
    for _ in range(3):
        enqueue("demand", demand.id)
    enqueue("demand", 987654)  # no such row: a delete
    report = sync.drain()
    assert report.rows >= 4 and report.failed is False
    assert index.get(f"demand:{demand.id}").public is True
    assert pending_count() == 0


def test_engine_down_keeps_rows_then_recovers(app, db, index, monkeypatch):
    demand = make_demand()
    enqueue("demand", demand.id)

    def broken_commit():
        raise BackendUnavailable("disk full")

    monkeypatch.setattr(index, "commit", broken_commit)
    report = sync.drain()
    assert report.failed is True
    assert pending_count() >= 1
    monkeypatch.undo()
    index.discard()
    sync.drain()
    assert pending_count() == 0
    assert index.get(f"demand:{demand.id}") is not None


def test_reconcile_repairs_drift(db, index):
    demand = make_demand()
    result = make_achievement()
    sync.rebuild()
    # drift: a stale document, an orphan, a missing one
    demand.title = "改过的标题"
    index.delete([f"achievement:{result.id}"])
    index.commit()
    from search.documents import Listing

    index.upsert([Listing(doc_id="demand:999999", kind="demand", title="孤儿", text="")])
    index.commit()
    report = sync.reconcile()
    assert (report.missing, report.stale, report.orphans) == (1, 1, 1)
    assert index.get(f"demand:{demand.id}").title == "改过的标题"
    assert sync.reconcile(repair=False).__dict__ == {"missing": 0, "stale": 0, "orphans": 0}


def test_expiry_reaches_the_index(db, index):
    demand = make_demand(valid_until=dt.date.today() - dt.timedelta(days=1))
    sync.rebuild()
    assert index.get(f"demand:{demand.id}").public is False


OPS = st.lists(st.tuples(st.sampled_from(["create", "update", "delete", "fail"]), st.integers(0, 5)),
               min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_index_equals_database_after_drain_and_reconcile(db, index, ops):
    """Random create/update/delete sequences with injected engine failures: after drain + reconcile,
    the index holds exactly the database's documents."""
    index.clear()
    org = make_org(OrgKind.UNIVERSITY)
    created: list[int] = []
    failing = False
    real_commit = type(index).commit

    def maybe_failing_commit(self):
        if failing:
            self.discard()  # what a failed commit leaves: nothing queued
            raise BackendUnavailable("injected")
        return real_commit(self)

    type(index).commit = maybe_failing_commit
    try:
        for op, n in ops:
            if op == "fail":
                failing = not failing
                continue
            if op == "create" or not created:
                created.append(make_achievement(org, title=f"成果{n}").id)
                enqueue("achievement", created[-1])
            elif op == "update":
                target = _db.session.get(Achievement, created[n % len(created)])
                if target is not None:
                    target.title = f"更新{n}"
                    enqueue("achievement", target.id)
            else:
                victim = created.pop(n % len(created))
                _db.session.execute(sa.delete(Achievement).where(
                    Achievement.id == victim))
                enqueue("achievement", victim)
            _db.session.flush()
            sync.drain()
    finally:
        type(index).commit = real_commit
    sync.drain()
    sync.reconcile()
    expected = {doc.doc_id: doc.version for _name, doc in sync.all_documents()}
    assert index.versions() == expected
    # clean up for the next example (the database rolls back only at the end of the test)
    _db.session.execute(sa.update(SearchOutbox).values(processed_at=_db.func.now()))
    for achievement_id in created:
        _db.session.execute(sa.delete(Achievement).where(
            Achievement.id == achievement_id))


def test_status(db, index):
    make_demand(status=ListingStatus.DRAFT)
    state = sync.status()
    assert state["backend"] == "embedded" and state["in_database"] >= 1


def test_purge_removes_only_old_processed_rows(app, db):
    now = dt.datetime.now(dt.UTC)
    rows = {name: SearchOutbox(entity_type="demand", entity_id=n, op="upsert", processed_at=processed)
            for n, (name, processed) in enumerate([("old", now - dt.timedelta(days=40)),
                                                   ("recent", now - dt.timedelta(days=3)), ("pending", None)])}
    db.session.add_all(rows.values())
    db.session.flush()
    result = app.test_cli_runner().invoke(args=["search", "purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    left = set(db.session.scalars(sa.select(SearchOutbox.id).where(
        SearchOutbox.id.in_([r.id for r in rows.values()]))))
    assert left == {rows["recent"].id, rows["pending"].id}
    assert app.test_cli_runner().invoke(args=["search", "purge", "--days", "-1"]).exit_code != 0
