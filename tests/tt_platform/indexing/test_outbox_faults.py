"""The search outbox under faults (issue 21): a Hypothesis state machine drives the real listing services —
create, update, publish (submit + an operator's approval), withdraw (the owner closes it), delete (as
`flask demo reset` deletes: an outbox "delete" row, then the row) — with the faults of a real installation
injected between them:

- the engine refusing a write (a wrapper around the real embedded engine raises BackendUnavailable on a
  chosen call: upsert, delete or commit);
- the process killed during a drain, before the engine's commit or between the engine's commit and the
  database's (the wrapper raises an exception no handler catches; the "restarted process" then drops what
  the dead one held in memory and opens the index again);
- two drains at once, in two threads with their own sessions;
- a change that bypasses the outbox altogether (an operator's SQL), which only `reconcile` can see.

Every request-sized step commits for real (its own database, see tests/own_database.py). The checks, at
settle points and at the end of every run: after fault-free drains the outbox is empty, and — unless a
change bypassed the outbox — `reconcile --dry-run` finds nothing to repair (the outbox alone kept the index
right through every fault); after `reconcile`, the index is exactly the projection of the database: the
same document ids and, per document, the same version (a hash of every stored field).

Profiles: the fast one (the default, in `make test` on SQLite and on PostgreSQL) runs 8 runs of up to 12
steps; `TT_FAULTS_PROFILE=long` (`make bench-faults`) runs until at least 1,000 operations were applied
and prints the counts (`bench/README.md` has the figures). An operation is one rule executed: a service
call committed, a drain (with or without a fault) or a settle point.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from search.backends.base import BackendUnavailable
from tests.factories import make_operator, make_org, make_user
from tests.own_database import own_app
from tt_platform.accounts.models import OrgKind, User
from tt_platform.achievements import services as achievements
from tt_platform.achievements.models import Achievement
from tt_platform.database import db
from tt_platform.demands import services as demands
from tt_platform.demands.models import Demand
from tt_platform.indexing import engine, sync
from tt_platform.indexing.outbox import enqueue, pending_count
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus

LONG = os.environ.get("TT_FAULTS_PROFILE") == "long"
#: operations the long profile applies at least (over as many runs as that takes)
LONG_OPERATIONS = int(os.environ.get("TT_FAULTS_OPERATIONS", "1000"))
RUN_SETTINGS = settings(max_examples=40 if LONG else 8, stateful_step_count=30 if LONG else 12, deadline=None,
                        # a failing fast run reports its steps unshrunk: shrinking a stateful run took minutes
                        phases=tuple(Phase) if LONG else (Phase.explicit, Phase.reuse, Phase.generate),
                        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                               HealthCheck.function_scoped_fixture])

WORDS = ["锂电池", "储能", "热失控", "预警", "光伏", "逆变器", "机器人", "视觉", "检测", "生物", "发酵", "芯片",
         "封装", "PLC", "控制系统", "氢能", "电解槽", "传感器", "轴承", "涂层"]
TITLES = st.lists(st.sampled_from(WORDS), min_size=2, max_size=4).map("".join)


class Killed(BaseException):  # noqa: N818 - it is not an error: it stands for the process dying
    """The process dies here: no `except Exception` in the application may catch it."""


class FaultyEngine:
    """The real embedded engine, with one fault armed at a time: `fail` raises BackendUnavailable on the
    named call (the engine refused the write); `kill` raises Killed on it — "commit" before the engine's
    commit, "after_commit" once the engine has committed (before the database's commit)."""

    def __init__(self, real):
        self.real = real
        self.fail: str | None = None
        self.kill: str | None = None

    def __getattr__(self, name):
        return getattr(self.real, name)

    def _fault(self, call: str) -> None:
        if self.fail == call:
            self.fail = None
            raise BackendUnavailable(f"injected: the engine refused {call}")
        if self.kill == call:
            self.kill = None
            raise Killed(call)

    def upsert(self, listings_):
        self._fault("upsert")
        return self.real.upsert(listings_)

    def delete(self, doc_ids):
        self._fault("delete")
        return self.real.delete(doc_ids)

    def commit(self):
        self._fault("commit")
        self.real.commit()
        self._fault("after_commit")


def install_engine(app) -> FaultyEngine:
    """(Re)open the index as a freshly started process would, behind the fault wrapper."""
    from search.backends.embedded import EmbeddedBackend

    previous = app.extensions.get("tt_search_backend")
    if previous is not None:
        previous.discard()
    wrapper = FaultyEngine(EmbeddedBackend(app.config["SEARCH_INDEX_DIR"]))
    app.extensions["tt_search_backend"] = wrapper
    return wrapper


def projection() -> dict[str, str]:
    """What the index must hold: every listing's document id → version, from the database."""
    return {doc.doc_id: doc.version for _name, doc in sync.all_documents()}


def demand_data(title: str) -> demands.DemandData:
    return demands.DemandData(
        title=title, summary=f"{title}：寻求合作方案与技术团队。", problem=f"{title}的现有方案滞后。",
        field_code="T06", region_code="330100", cooperation_modes=["joint_dev", "transfer"],
        valid_until=dt.date.today() + dt.timedelta(days=60), contact_name="钱工", contact_phone="13700000000",
        budget_min=Decimal("50"), budget_max=Decimal("100"), required_trl=6)


def result_data(title: str) -> achievements.AchievementData:
    return achievements.AchievementData(
        title=title, summary=f"{title}：成熟的研究成果，可转让或许可。", description=f"{title}的技术细节。",
        field_code="T06", region_code="330100", cooperation_modes=["transfer", "license"],
        valid_until=dt.date.today() + dt.timedelta(days=90), contact_name="李老师", contact_phone="13900000000",
        trl=6, asking_price=Decimal("80"))


KINDS = {"demand": (Demand, demands.create_demand, demands.update_demand, demand_data),
         "achievement": (Achievement, achievements.create_achievement, achievements.update_achievement, result_data)}


@dataclasses.dataclass
class Tally:
    runs: int = 0
    operations: int = 0
    faults: Counter = dataclasses.field(default_factory=Counter)
    settles: int = 0
    drift_repaired: int = 0
    concurrent_drain_errors: int = 0


class OutboxMachine(RuleBasedStateMachine):
    app = None  #: set by the test
    people: dict[str, int] = {}
    tally = Tally()

    def __init__(self):
        super().__init__()
        self.tally.runs += 1
        self.engine = install_engine(self.app)
        self.alive: list[tuple[str, int]] = []  # (kind, id) created in this run and not deleted
        self.bypassed = False  # a change went past the outbox: only reconcile can repair it
        with self.app.app_context():
            sync.rebuild()  # every run starts from an index equal to the database
            db.session.commit()

    # --- helpers ---------------------------------------------------------------------------------
    def user(self, key: str) -> User:
        return db.session.get(User, self.people[key])

    def step(self, action) -> None:
        """One request: the action, one commit; a refused rule rolls back (nothing half-written)."""
        self.tally.operations += 1
        with self.app.app_context():
            try:
                action()
            except (listings.InvalidTransition, demands.DemandError, achievements.AchievementError):
                db.session.rollback()
            else:
                db.session.commit()

    def drain(self) -> None:
        """A drain as the request's or the CLI's: rows marked only when the engine took them."""
        try:
            sync.drain()
        except BackendUnavailable:
            db.session.rollback()
        else:
            db.session.commit()

    def listing(self, pick: int):
        kind, listing_id = self.alive[pick % len(self.alive)]
        return kind, db.session.get(KINDS[kind][0], listing_id)

    # --- the services ----------------------------------------------------------------------------
    @rule(kind=st.sampled_from(sorted(KINDS)), title=TITLES, submit=st.booleans(), drain=st.booleans())
    def create(self, kind, title, submit, drain):
        model, create, _update, data = KINDS[kind]
        owner = "enterprise" if kind == "demand" else "university"

        def action():
            listing = create(self.user(owner), data(title), submit=submit)
            db.session.flush()
            self.alive.append((kind, listing.id))
        self.step(action)
        if drain:
            with self.app.app_context():
                self.drain()

    @precondition(lambda self: self.alive)
    @rule(pick=st.integers(0, 1000), title=TITLES, drain=st.booleans())
    def update(self, pick, title, drain):
        def action():
            kind, listing = self.listing(pick)
            _model, _create, update, data = KINDS[kind]
            update(self.user("enterprise" if kind == "demand" else "university"), listing, data(title))
        self.step(action)
        if drain:
            with self.app.app_context():
                self.drain()

    @precondition(lambda self: self.alive)
    @rule(pick=st.integers(0, 1000))
    def publish(self, pick):
        def action():
            kind, listing = self.listing(pick)
            owner = self.user("enterprise" if kind == "demand" else "university")
            if listing.status in (ListingStatus.DRAFT, ListingStatus.RETURNED):
                listings.submit(listing, owner)
            listings.review(listing, self.user("operator"), "approve", None)
        self.step(action)

    @precondition(lambda self: self.alive)
    @rule(pick=st.integers(0, 1000))
    def withdraw(self, pick):
        def action():
            kind, listing = self.listing(pick)
            listings.change_status(listing, self.user("enterprise" if kind == "demand" else "university"),
                                   ListingStatus.CLOSED)
        self.step(action)

    @precondition(lambda self: self.alive)
    @rule(pick=st.integers(0, 1000))
    def delete(self, pick):
        kind, listing_id = self.alive.pop(pick % len(self.alive))

        def action():  # as `flask demo reset` removes listings: the outbox row, then the row
            model = KINDS[kind][0]
            enqueue(kind, listing_id, "delete")
            db.session.execute(sa.delete(model).where(model.id == listing_id))
        self.step(action)

    @precondition(lambda self: self.alive)
    @rule(pick=st.integers(0, 1000), title=TITLES)
    def change_past_the_outbox(self, pick, title):
        """An operator's SQL (no audit, no outbox row): drift that only reconcile can see."""
        kind, listing_id = self.alive[pick % len(self.alive)]

        def action():
            model = KINDS[kind][0]
            db.session.execute(sa.update(model).where(model.id == listing_id).values(title=title))
        self.step(action)
        self.bypassed = True

    # --- the faults --------------------------------------------------------------------------------
    def something_to_drain(self, kind: str, title: str, call: str) -> None:
        """A change waiting in the outbox (a new listing; for a failing delete, a deleted one), so that
        the drain reaches the call that fails."""
        self.create(kind, title, submit=False, drain=False)
        if call == "delete":
            self.delete(len(self.alive) - 1)

    @rule(call=st.sampled_from(["upsert", "delete", "commit"]), kind=st.sampled_from(sorted(KINDS)), title=TITLES)
    def drain_with_engine_failure(self, call, kind, title):
        self.something_to_drain(kind, title, call)
        self.tally.operations += 1
        self.engine.fail = call
        with self.app.app_context():
            before = pending_count()
            self.drain()
            assert self.engine.fail is None  # the fault fired
            self.tally.faults[f"engine refused {call}"] += 1
            assert pending_count() == before  # nothing was marked processed
        self.engine.fail = None
        if call == "commit":
            self.engine.real.discard()  # what a failed commit leaves in the engine: nothing queued

    @rule(point=st.sampled_from(["upsert", "commit", "after_commit"]), kind=st.sampled_from(sorted(KINDS)),
          title=TITLES)
    def process_killed_during_drain(self, point, kind, title):
        self.something_to_drain(kind, title, point)
        self.tally.operations += 1
        self.engine.kill = point
        with self.app.app_context():
            before = pending_count()
            with pytest.raises(Killed):
                self.drain()
            self.tally.faults[f"killed at {point}"] += 1
            db.session.rollback()  # the dead process's transaction never commits
            assert pending_count() == before  # so every row is still pending
        # the restarted process: whatever the dead one queued in memory is gone, the index reopens
        self.engine.real.discard()
        self.engine = install_engine(self.app)

    @rule()
    def two_drains_at_once(self):
        self.tally.operations += 1
        self.tally.faults["two drains at once"] += 1
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def drain_in_thread():
            with self.app.app_context():
                barrier.wait(timeout=30)
                try:
                    sync.drain()
                    db.session.commit()
                except sa.exc.OperationalError:  # SQLite: the other drain holds the write lock; rows stay
                    db.session.rollback()
                    self.tally.concurrent_drain_errors += 1
                except BaseException as exc:  # noqa: BLE001 - reported below
                    db.session.rollback()
                    errors.append(exc)

        threads = [threading.Thread(target=drain_in_thread) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not errors, errors

    @rule(kind=st.sampled_from(sorted(KINDS)), title=TITLES)
    def a_slow_drain_overtaken(self, kind, title):
        """Drain A reads a listing and stalls before writing the index; the listing changes; drain B
        starts. B must not get ahead of A with the newer version only for A to write the older one over
        it (all rows marked, the index stale). Drains run one at a time, so B waits for A and then
        writes the newer version; on SQLite, A's late marks may be refused (rows stay pending)."""
        self.create(kind, title, submit=False, drain=True)  # a draft: its owner may always edit it
        self.tally.operations += 1
        self.tally.faults["a drain overtaken"] += 1
        listing_id = self.alive[-1][1]
        model, _create, update, data = KINDS[kind]
        owner = "enterprise" if kind == "demand" else "university"
        self.step(lambda: update(self.user(owner), db.session.get(model, listing_id), data(f"{title}初稿")))
        has_read, resume = threading.Event(), threading.Event()
        real_documents = sync._documents
        stalled: list[threading.Thread] = []  # drain A's thread

        def documents(entity, ids):
            found = real_documents(entity, ids)
            if threading.current_thread() in stalled:
                has_read.set()
                resume.wait(timeout=30)
            return found

        errors: list[BaseException] = []

        def run_drain():
            with self.app.app_context():
                try:
                    sync.drain()
                    db.session.commit()
                except sa.exc.OperationalError:  # SQLite: its snapshot is older than B's marks
                    db.session.rollback()
                    self.tally.concurrent_drain_errors += 1
                except BaseException as exc:  # noqa: BLE001 - reported below
                    db.session.rollback()
                    errors.append(exc)

        drain_a = threading.Thread(target=run_drain)
        stalled.append(drain_a)
        sync._documents = documents
        try:
            drain_a.start()
            assert has_read.wait(timeout=30)
            self.step(lambda: update(self.user(owner), db.session.get(model, listing_id), data(f"{title}终稿")))
            drain_b = threading.Thread(target=run_drain)
            drain_b.start()
            drain_b.join(timeout=0.5)  # without the lock, B would finish here, ahead of A
        finally:
            resume.set()
            drain_a.join(timeout=60)
            sync._documents = real_documents
        drain_b.join(timeout=60)
        assert not errors, errors

    @rule()
    def settle(self):
        self.tally.operations += 1
        self.check()

    def teardown(self):
        try:
            self.check()
        finally:
            self.engine.fail = self.engine.kill = None

    # --- the invariant ---------------------------------------------------------------------------
    def check(self) -> None:
        """Fault-free drains empty the outbox; without a bypassing change the index is already right;
        after reconcile it is exactly the database's projection."""
        self.tally.settles += 1
        with self.app.app_context():
            for _ in range(5):
                self.drain()
                if pending_count() == 0:
                    break
            assert pending_count() == 0
            drift = sync.reconcile(repair=False)
            if not self.bypassed:
                assert (drift.missing, drift.stale, drift.orphans) == (0, 0, 0), drift
            elif drift.missing or drift.stale or drift.orphans:
                self.tally.drift_repaired += 1
            sync.reconcile()
            assert self.engine.real.versions() == projection()
            db.session.commit()
        self.bypassed = False


@pytest.fixture
def faults_app(tmp_path):
    with own_app(tmp_path, SEARCH_EMBEDDINGS="off", SEARCH_DRAIN_IN_REQUEST=False) as app:
        with app.app_context():
            enterprise, university = make_org(), make_org(OrgKind.UNIVERSITY)
            people = {"enterprise": make_user(enterprise).id, "university": make_user(university).id,
                      "operator": make_operator().id}
            db.session.commit()
        OutboxMachine.app, OutboxMachine.people, OutboxMachine.tally = app, people, Tally()
        yield app
        engine_ = app.extensions.get("tt_search_backend")
        if engine_ is not None:
            engine_.discard()
        with app.app_context():
            engine.reset_backend()


def test_the_index_equals_the_database_after_any_faults(faults_app):
    started = time.perf_counter()
    tally = OutboxMachine.tally
    while True:
        run_state_machine_as_test(OutboxMachine, settings=RUN_SETTINGS)
        if not LONG or tally.operations >= LONG_OPERATIONS:
            break
    elapsed = time.perf_counter() - started
    database = faults_app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    summary = {"database": database, "runs": tally.runs, "operations": tally.operations,
               "faults": dict(sorted(tally.faults.items())), "faults_total": sum(tally.faults.values()),
               "settle_checks": tally.settles, "bypassing_drift_repaired": tally.drift_repaired,
               "concurrent_drain_lock_errors": tally.concurrent_drain_errors, "seconds": round(elapsed, 1)}
    print("\noutbox faults:", json.dumps(summary, ensure_ascii=False))
    if LONG:
        assert tally.operations >= LONG_OPERATIONS
        out = Path(__file__).resolve().parents[3] / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"faults-{database.split('+')[0]}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
