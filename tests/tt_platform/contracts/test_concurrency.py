"""Registration numbers under concurrent registrations: unique and gap-free per office and year.

Runs on its own database with real commits from several threads (each with its own connection):
PostgreSQL when TT_TEST_DATABASE_URL is set (CI runs the suite on both), otherwise SQLite. Issue 21:
50 registrations at one office at the same moment, one thread each.
"""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests import own_database
from tests.factories import contract_data, make_org, make_registrar, make_user
from tt_platform.accounts.models import OrgKind, User
from tt_platform.contracts import services
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import china_today, db

N_CONTRACTS = 12
THREADS = 4


@pytest.fixture
def own_app(tmp_path):
    with own_database.own_app(tmp_path, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 60, "max_overflow": 0}) as app:
        yield app


def submitted_contracts(app, n: int) -> tuple[int, list[int]]:
    """A registrar of office 330100 and `n` contracts submitted to it, committed: (registrar id, contract ids)."""
    with app.app_context():
        registrar = make_registrar("330100")
        seller, buyer = make_org(OrgKind.UNIVERSITY, region_code="330106"), make_org()
        seller_user = make_user(seller)
        ids = []
        for _ in range(n):
            contract = services.create(seller_user, contract_data(seller, buyer))
            services.submit(seller_user, contract)
            ids.append(contract.id)
        db.session.commit()
        return registrar.id, ids


def test_concurrent_registrations_get_unique_gap_free_numbers(own_app):
    registrar_id, ids = submitted_contracts(own_app, N_CONTRACTS)

    errors: list[BaseException] = []
    # every contract is claimed by two threads at once: one registration must win, never two
    work = [cid for cid in ids for _ in range(2)]
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(n: int):
        barrier.wait()
        while True:
            with lock:
                if not work:
                    return
                contract_id = work.pop(n % len(work))
            for _attempt in range(200):
                with own_app.app_context():
                    try:
                        user = db.session.get(User, registrar_id)
                        contract = db.session.get(Contract, contract_id)
                        services.register(user, contract)
                        if contract_id % 5 == 0 and _attempt == 0:
                            # a registration that fails after taking its number gives the number back
                            raise RuntimeError("simulated failure before commit")
                        db.session.commit()
                        break
                    except services.ContractError:
                        db.session.rollback()
                        break  # already registered by the other thread
                    except (sa.exc.OperationalError, RuntimeError):
                        db.session.rollback()  # lock contention (SQLite) or the simulated failure: retry
                        time.sleep(0.005 * min(_attempt, 10))
                    except BaseException as exc:  # noqa: BLE001 - reported below
                        db.session.rollback()
                        errors.append(exc)
                        return
                    finally:
                        db.session.remove()
            else:
                errors.append(RuntimeError(f"contract {contract_id} not registered after 200 attempts"))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors

    with own_app.app_context():
        contracts = db.session.scalars(sa.select(Contract).where(Contract.id.in_(ids))).all()
        assert all(c.status is ContractStatus.REGISTERED for c in contracts)
        numbers = sorted(c.registration_number for c in contracts)
        year = china_today().year
        assert numbers == [f"{year}330100{serial:06d}" for serial in range(1, N_CONTRACTS + 1)]
        registered_events = db.session.scalar(sa.text(
            "SELECT count(*) FROM audit_entry WHERE entity_type = 'contract' AND action = 'registered'"))
        assert registered_events == N_CONTRACTS


CROWD = 50


@own_database.postgresql_only
def test_fifty_simultaneous_registrations_at_one_office(own_app):
    """50 registrars' requests at one office released together by a barrier: 50 distinct numbers, serials
    1–50 with no gap, one audit entry each; the counter row's lock orders them. (On SQLite, one writer at a
    time, the test above covers the numbering: 50 threads there took 23 s of retries, 1,770 of them.)"""
    registrar_id, ids = submitted_contracts(own_app, CROWD)

    barrier = threading.Barrier(CROWD)
    errors: list[BaseException] = []
    done: list[int] = []

    def register(contract_id: int):
        barrier.wait(timeout=60)
        with own_app.app_context():
            try:  # one try each: on PostgreSQL no registration may fail for lack of a number
                services.register(db.session.get(User, registrar_id), db.session.get(Contract, contract_id))
                db.session.commit()
                done.append(contract_id)
            except BaseException as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=register, args=(cid,)) for cid in ids]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    elapsed = time.perf_counter() - started
    assert not errors, errors
    assert sorted(done) == sorted(ids)
    with own_app.app_context():
        numbers = sorted(db.session.scalars(sa.select(Contract.registration_number).where(Contract.id.in_(ids))))
        year = china_today().year
        assert numbers == [f"{year}330100{serial:06d}" for serial in range(1, CROWD + 1)]
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_entry WHERE entity_type = 'contract' "
                                         "AND action = 'registered'")) == CROWD
    print(f"{CROWD} simultaneous registrations on PostgreSQL: {elapsed:.2f} s")
