"""Many bidders at once on one auction, with real commits: threads, each with its own app context, session
and database connection, bid through the service against a database of their own (a fresh PostgreSQL
database when TT_TEST_DATABASE_URL is set — 50 threads — else a SQLite file — 8 threads; the per-test
rollback of the other tests cannot hold concurrent commits).

What must hold: of many bids at the same price on the same state exactly one goes in and every other is
told to bid again; the accepted bids are strictly increasing by at least the increment with contiguous
sequence numbers; every bid a thread was told was accepted is in the database and nothing else is (none
lost, none invented); the end moved exactly as the anti-sniping rule says, bid by bid."""
from __future__ import annotations

import datetime as dt
import os
import random
import threading
import time
from collections import Counter
from itertools import pairwise

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.conftest import TEST_CONFIG
from tests.factories import make_achievement, make_operator, make_org, make_user
from tt_platform import create_app
from tt_platform.accounts.models import OrgKind, User
from tt_platform.database import db, utcnow
from tt_platform.trading import auctions
from tt_platform.trading.confidential import TradingError
from tt_platform.trading.models import Auction, Bid

WAN = 1_000_000
POSTGRES = bool(os.environ.get("TT_TEST_DATABASE_URL"))
THREADS = 50 if POSTGRES else 8
ROUNDS = 6


@pytest.fixture
def own_app(tmp_path, worker_id):
    """An app on a database of its own, migrated, dropped afterwards."""
    base = os.environ.get("TT_TEST_DATABASE_URL")
    options = {}
    if base:
        name = f"tt_test_auction_{worker_id}"
        admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = base.rsplit("/", 1)[0] + f"/{name}"
        options = {"pool_size": THREADS + 5, "max_overflow": 0, "pool_timeout": 60}
    else:
        url = f"sqlite:///{tmp_path / 'auction.db'}"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
                      "SEARCH_INDEX_DIR": str(tmp_path / "index"), "SEARCH_VECTOR_DIR": str(tmp_path / "vectors")})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
    yield app
    with app.app_context():
        db.session.remove()
        db.engines[None].dispose()
    if base:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _setup(app, window_minutes: int) -> tuple[int, list[int]]:
    with app.app_context():
        seller = make_user(make_org(OrgKind.UNIVERSITY), admin=True)
        result = make_achievement(seller.organisation)
        operator = make_operator()
        now = utcnow()
        auction = auctions.create(seller, result, auctions.AuctionData(
            start_price_fen=100 * WAN, increment_fen=WAN, reserve_fen=None, reserve_shown=False,
            deposit_fen=WAN, subtype_code="TRF-01", payment_mode="lump_sum", starts_at=now - dt.timedelta(minutes=1),
            ends_at=now + dt.timedelta(hours=1), extension_minutes=window_minutes, contact="成果转化处 021-66668888"))
        bidders = []
        for n in range(THREADS):
            user = make_user(make_org(OrgKind.ENTERPRISE, name=f"并发竞买公司{n}"))
            registration = auctions.register(user, auction)
            auctions.confirm_deposit(operator, auction, registration.id, f"BANK-{n}")
            bidders.append(user.id)
        # the end lies just past the window: the first round's bid leaves it, the later ones move it
        auction.ends_at = auction.scheduled_end_at = utcnow() + dt.timedelta(minutes=window_minutes, seconds=6)
        db.session.commit()
        return auction.id, bidders


def _run(app, bidders, prepare):
    """Every thread, in its own app context, runs `prepare(user_id)`, waits for all the others (a barrier),
    then runs what `prepare` returned; collect what each returns."""
    barrier = threading.Barrier(len(bidders))
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def target(index: int, user_id: int):
        try:
            with app.app_context():
                try:
                    work = prepare(user_id)
                    barrier.wait(timeout=60)
                    results[index] = work()
                finally:
                    db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i, uid)) for i, uid in enumerate(bidders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors[:3]
    return results


def _loaded(auction_id: int, user_id: int):
    """The bidder and the auction as a request would read them before bidding."""
    user = db.session.get(User, user_id)
    auction = db.session.get(Auction, auction_id)
    registration = auctions.registration_of(user, auction)
    assert registration is not None and auction.bids is not None
    return user, auction


def _bid(user, auction, amount: int):
    """One bid in its own transaction: ("ok", bid id) after the commit, ("again", message) when someone bid
    first, ("refused", message) for a rule (below the minimum, highest already)."""
    try:
        bid = auctions.place_bid(user, auction, amount)
        bid_id = bid.id
        db.session.commit()
        return "ok", bid_id, amount
    except auctions.BidConflict as exc:
        db.session.rollback()
        return "again", str(exc), amount
    except TradingError as exc:
        db.session.rollback()
        return "refused", str(exc), amount


def test_many_bidders_at_once(own_app):
    window = 2
    auction_id, bidders = _setup(own_app, window)
    with own_app.app_context():
        start = db.session.get(Auction, auction_id)
        version_before, initial_end = start.version, start.ends_at

    # round one: every bidder bids the start price on the same state, at the same moment
    def same_price(user_id: int):
        user, auction = _loaded(auction_id, user_id)  # everyone has read the same state …
        return lambda: _bid(user, auction, 100 * WAN)  # … and bids on it once all have

    first = _run(own_app, bidders, same_price)
    outcomes = Counter(r[0] for r in first.values())
    assert outcomes == {"ok": 1, "again": THREADS - 1}, outcomes
    told_again = [r[1] for r in first.values() if r[0] == "again"]
    assert all("重新出价" in m for m in told_again), told_again[:3]

    # the window opens (the first round has normally finished before it does)
    time.sleep(max(0.0, (initial_end - dt.timedelta(minutes=window) - utcnow()).total_seconds() + 0.2))

    # then everyone keeps bidding: the minimum they read, sometimes more, again when they lost the race
    def keep_bidding(user_id: int):
        def run():
            accepted, lost = [], 0
            rng = random.Random(user_id)
            for _ in range(ROUNDS):
                db.session.rollback()  # a fresh snapshot for each bid, as a new request would have
                user, auction = _loaded(auction_id, user_id)
                amount = auctions.minimum_bid(auction) + rng.choice((0, 0, WAN, 3 * WAN))
                status, detail, _amount = _bid(user, auction, amount)
                if status == "ok":
                    accepted.append(detail)
                elif status == "again":
                    lost += 1
            return accepted, lost
        return run

    second = _run(own_app, bidders, keep_bidding)
    told_accepted = {r[1] for r in first.values() if r[0] == "ok"} | {
        bid_id for accepted, _lost in second.values() for bid_id in accepted}

    with own_app.app_context():
        auction = db.session.get(Auction, auction_id)
        bids = list(db.session.scalars(sa.select(Bid).where(Bid.auction_id == auction_id).order_by(Bid.sequence)))
        # none lost, none invented
        assert {b.id for b in bids} == told_accepted
        assert len(bids) > 1  # progress under contention (round one already proved the lost race)
        # strictly increasing by at least the increment, sequences contiguous, the row agrees
        assert [b.sequence for b in bids] == list(range(1, len(bids) + 1))
        assert bids[0].amount_fen == 100 * WAN
        assert all(b.amount_fen >= a.amount_fen + auction.increment_fen for a, b in pairwise(bids))
        assert auction.current_price_fen == bids[-1].amount_fen and auction.bid_count == len(bids)
        assert auction.version - version_before == len(bids)
        # the end moved exactly as the rule says, bid by bid
        rule = dt.timedelta(minutes=window)
        end = initial_end
        extended = 0
        for b in bids:
            assert b.ends_before == end
            expected = end + rule if b.placed_at >= end - rule else end
            assert b.ends_after == expected, (b.sequence, b.placed_at, end)
            extended += expected != end
            end = expected
        assert auction.ends_at == end == initial_end + extended * rule
        assert extended >= 1  # the later rounds bid inside the window
