"""Registration numbers under concurrent registrations: unique and gap-free per office and year.

Runs on its own database with real commits from several threads (each with its own connection):
PostgreSQL when TT_TEST_DATABASE_URL is set (CI runs the suite on both), otherwise SQLite.
"""
from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import TEST_CONFIG
from tests.factories import contract_data, make_org, make_registrar, make_user
from tt_platform import create_app
from tt_platform.accounts.models import OrgKind, User
from tt_platform.contracts import services
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import china_today, db

N_CONTRACTS = 12
THREADS = 4


@pytest.fixture
def own_app(tmp_path):
    base = os.environ.get("TT_TEST_DATABASE_URL")
    name = f"tt_conc_{uuid.uuid4().hex[:8]}"
    if base:
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'concurrency.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SEARCH_INDEX_DIR": str(tmp_path / "index"),
                      "SEARCH_VECTOR_DIR": str(tmp_path / "vectors")})
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if base:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_concurrent_registrations_get_unique_gap_free_numbers(own_app):
    with own_app.app_context():
        registrar = make_registrar("330100")
        seller, buyer = make_org(OrgKind.UNIVERSITY, region_code="330106"), make_org()
        seller_user = make_user(seller)
        ids = []
        for _ in range(N_CONTRACTS):
            contract = services.create(seller_user, contract_data(seller, buyer))
            services.submit(seller_user, contract)
            ids.append(contract.id)
        db.session.commit()
        registrar_id = registrar.id

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
