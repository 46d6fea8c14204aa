"""What one auction request by API token costs in SQL statements — a budget that fails when a change adds a
query to a bid or a poll (statement counts do not depend on the machine; timings belong in bench/,
bench/auction_inprocess.py). Counted: the statements that read or write rows; the transaction's own
BEGIN / SAVEPOINT / RELEASE are not (the rolled-back test fixture adds its own).

A bid: the token with its user and memberships (one query), the auction, the bidder's registration with
the leader, the compare-and-set UPDATE, the INSERT of the bid — 5. A poll with a current ETag (304): the
token, the auction's ETag columns with the viewer's registration — 2. And the ETag that small query gives
is the one the full read gives, for every kind of viewer and phase (else a poll would never get a 304, or
get one while something changed)."""
from __future__ import annotations

import contextlib
import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.api import tokens
from tt_platform.database import db as _db
from tt_platform.database import utcnow
from tt_platform.trading import auctions

BID_BUDGET = 5
POLL_BUDGET = 2
DATA = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@contextlib.contextmanager
def statements():
    """The data statements sent while the block runs (their text, one line each)."""
    sent: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(DATA):
            sent.append(" ".join(statement.split()))

    target = _db.engines[None]  # the test's connection (the db fixture), which every session uses
    sa.event.listen(target, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(target, "before_cursor_execute", record)


@pytest.fixture
def live(db):
    """A running auction of a result, three bidders with confirmed deposits and API tokens, an operator."""
    seller = make_user(make_org(OrgKind.UNIVERSITY), admin=True)
    now = utcnow()
    auction = auctions.create(seller, make_achievement(seller.organisation), auctions.AuctionData(
        start_price_fen=50_000_000, increment_fen=1_000_000, reserve_fen=None, reserve_shown=False,
        deposit_fen=5_000_000, subtype_code="TRF-01", payment_mode="lump_sum",
        starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1), extension_minutes=5,
        contact="王老师 0571-88880000"))
    operator = make_operator()
    bidders = [make_user(make_org(OrgKind.ENTERPRISE, name=f"预算竞买公司{n}")) for n in range(3)]
    for user in bidders:
        auctions.confirm_deposit(operator, auction, auctions.register(user, auction).id, "BANK-7")
    auths = [{"Authorization": f"Bearer {tokens.issue(user, 'tool')[1]}"} for user in bidders]
    db.session.commit()
    return {"auction": auction, "seller": seller, "operator": operator, "bidders": bidders, "auths": auths}


def _tables(sql: list[str]) -> list[str]:
    """What each statement does, by its verb and first table: ["SELECT api_token", …]."""
    out = []
    for text in sql:
        verb, rest = text.split(None, 1)
        if verb.upper() == "SELECT":  # the table of the first column
            table = rest.split(".", 1)[0]
        else:  # INSERT INTO t, UPDATE t, DELETE FROM t
            table = rest.split()[1] if rest.split()[0].upper() in ("INTO", "FROM") else rest.split()[0]
        out.append(f"{verb.upper()} {table}")
    return out


def _fresh_session(db) -> None:
    """In production each request has a session of its own; here the test's is shared with the client's
    requests, and an object already in it would be found without a query."""
    db.session.expunge_all()


def test_a_bid_by_token_costs_five_statements(client, live, db):
    auction, auths = live["auction"], live["auths"]
    url = f"/api/v1/auctions/{auction.id}/bids"
    assert client.post(url, headers=auths[0], json={"amount_fen": 50_000_000}).status_code == 201  # also "last used"
    client.get(f"/api/v1/auctions/{auction.id}", headers=auths[1])  # the second token's "last used" written
    _fresh_session(db)
    with statements() as sql:
        response = client.post(url, headers=auths[1], json={"amount_fen": 51_000_000})
    assert response.status_code == 201 and response.get_json()["sequence"] == 2
    assert len(sql) <= BID_BUDGET, "\n".join(sql)
    assert _tables(sql) == ["SELECT api_token", "SELECT auction", "SELECT auction_registration", "UPDATE auction",
                            "INSERT auction_bid"], "\n".join(sql)
    # the token's user and memberships came with the token: no statement of its own for either
    assert "JOIN user_account" in sql[0] and "JOIN membership" in sql[0]


def test_after_a_bid_the_auction_in_memory_is_the_stored_row(client, live, db):
    """The compare-and-set sets the auction's new state in memory instead of reading it back: it must be the
    row as stored (a later bid in the same session is judged on it)."""
    auction, user = live["auction"], live["bidders"][0]
    bid = auctions.place_bid(user, auction, 50_000_000)
    stored = db.session.execute(sa.select(auctions.Auction.version, auctions.Auction.current_price_fen,
                                          auctions.Auction.bid_count, auctions.Auction.ends_at)
                                .where(auctions.Auction.id == auction.id)).one()
    assert (auction.version, auction.current_price_fen, auction.bid_count, auction.ends_at) == tuple(stored)
    assert bid.sequence == 1 and [b.id for b in auction.bids] == [bid.id]
    again = auctions.place_bid(live["bidders"][1], auction, 51_000_000)
    assert again.sequence == 2 and auction.bid_count == 2
    db.session.commit()
    stale = client.post(f"/api/v1/auctions/{auction.id}/bids", headers=live["auths"][2],
                        json={"amount_fen": 51_000_000})
    assert stale.status_code == 400 and "52" in stale.get_json()["error"]  # the minimum is 52 万元 now


def test_a_poll_with_a_current_etag_costs_two_statements(client, live, db):
    auction_id, auths = live["auction"].id, live["auths"]
    path = f"/api/v1/auctions/{auction_id}"
    seen = client.get(path, headers=auths[0])  # also writes the token's "last used"
    assert seen.status_code == 200
    _fresh_session(db)
    with statements() as sql:
        response = client.get(path, headers={**auths[0], "If-None-Match": seen.headers["ETag"]})
    assert response.status_code == 304 and response.headers["ETag"] == seen.headers["ETag"]
    assert len(sql) <= POLL_BUDGET, "\n".join(sql)
    assert _tables(sql) == ["SELECT api_token", "SELECT auction"], "\n".join(sql)
    # the live page's own poll (a session, not a token) takes the same small query
    page = client.get(f"/trading/auctions/{auction_id}/state.json")
    _fresh_session(db)
    with statements() as sql:
        response = client.get(f"/trading/auctions/{auction_id}/state.json",
                              headers={"If-None-Match": page.headers["ETag"]})
    assert response.status_code == 304 and _tables(sql) == ["SELECT auction"], "\n".join(sql)


def _viewers(live) -> dict:
    outsider = make_user(make_org(OrgKind.ENTERPRISE, name="旁观公司"))
    unconfirmed = make_user(make_org(OrgKind.ENTERPRISE, name="未确认保证金公司"))
    auctions.register(unconfirmed, live["auction"])
    colleague = make_user(live["bidders"][0].organisation)  # the same organisation as bidder 0
    return {"anonymous": None, "outsider": outsider, "unconfirmed": unconfirmed, "bidder": live["bidders"][0],
            "colleague": colleague, "seller": live["seller"], "operator": live["operator"]}


def test_the_small_querys_etag_is_the_full_reads_in_every_phase_for_every_viewer(live, db):
    from flask_login import AnonymousUserMixin

    auction = live["auction"]
    viewers = {name: user or AnonymousUserMixin() for name, user in _viewers(live).items()}
    db.session.commit()

    def check(phase: str) -> dict:
        db.session.expire_all()
        found = auctions.get_auction(auction.id)
        assert auctions.phase(found) == phase
        tags = {}
        for name, viewer in viewers.items():
            tags[name] = auctions.etag(found, viewer)
            assert auctions.current_etag(auction.id, viewer) == tags[name], (phase, name)
        return tags

    auction.starts_at = utcnow() + dt.timedelta(minutes=5)
    db.session.commit()
    upcoming = check("upcoming")
    auction.starts_at = utcnow() - dt.timedelta(minutes=5)
    db.session.commit()
    running = check("running")
    assert running["anonymous"] != upcoming["anonymous"]
    # what a viewer sees: anyone's view (the seller's too, while it runs), a registration without or with its
    # deposit (the same for colleagues), every name (operators)
    assert running["outsider"] == running["anonymous"] == running["seller"]
    assert running["colleague"] == running["bidder"]
    assert len(set(running.values())) == 4
    auctions.place_bid(live["bidders"][1], auction, 50_000_000)
    db.session.commit()
    after_bid = check("running")
    assert all(after_bid[name] != running[name] for name in running)
    # past its end: the small query leaves the close to the full read, which records it
    auction.ends_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert auctions.current_etag(auction.id, viewers["bidder"]) is None
    assert auctions.close_if_due(auctions.get_auction(auction.id))
    db.session.commit()
    closed = check("contracted")  # sold, and the seller's contract drafted by the close
    assert closed["seller"] != closed["anonymous"]  # the seller now sees the names
    with pytest.raises(auctions.NotFound):
        auctions.current_etag(999_999, viewers["bidder"])


def test_a_poll_past_the_end_gets_the_closed_auction_not_a_304(client, live, db):
    auction, auths = live["auction"], live["auths"]
    auctions.place_bid(live["bidders"][0], auction, 50_000_000)
    db.session.commit()
    path = f"/api/v1/auctions/{auction.id}"
    seen = client.get(path, headers=auths[0])
    auction.ends_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    response = client.get(path, headers={**auths[0], "If-None-Match": seen.headers["ETag"]})
    assert response.status_code == 200 and response.get_json()["phase"] == "contracted"  # sold, contract drafted
    assert response.headers["ETag"] != seen.headers["ETag"]
    again = client.get(path, headers={**auths[0], "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_bid_whose_insert_breaks_a_unique_guard_leaves_nothing_half_written(live, db):
    """Without a savepoint, a failed INSERT after a successful compare-and-set must take the UPDATE back
    with it: the bid is refused as a conflict and the auction row is as it was."""
    from tt_platform.trading.models import Bid

    auction, bidder = live["auction"], live["bidders"][0]
    registration = auctions.registration_of(live["bidders"][2], auction)
    # a row the guards know, at the sequence the next bid will take (as if written behind the auction's back)
    db.session.add(Bid(auction_id=auction.id, registration_id=registration.id, sequence=1, amount_fen=70_000_000,
                       placed_at=utcnow(), ends_before=auction.ends_at, ends_after=auction.ends_at))
    db.session.commit()
    before = (auction.version, auction.bid_count, auction.current_price_fen, auction.ends_at)
    with pytest.raises(auctions.BidConflict):
        auctions.place_bid(bidder, auction, 50_000_000)
    db.session.rollback()
    stored = db.session.execute(sa.select(auctions.Auction.version, auctions.Auction.bid_count,
                                          auctions.Auction.current_price_fen, auctions.Auction.ends_at)
                                .where(auctions.Auction.id == auction.id)).one()
    assert tuple(stored) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 1


def test_the_history_read_as_rows_is_the_history_of_the_bid_objects(live, db):
    """The full read takes the history as rows (the end's move compared in SQL); the page, with the bids
    loaded, from the objects: the same list either way, a bid in the anti-sniping window marked extended."""
    auction, (first, second, _third) = live["auction"], live["bidders"]
    auctions.place_bid(first, auction, 50_000_000)
    auction.ends_at = utcnow() + dt.timedelta(minutes=2)  # inside the 5-minute window: the next bid moves the end
    db.session.commit()
    auctions.place_bid(second, auction, 51_000_000)
    db.session.commit()
    db.session.expire_all()
    as_rows = auctions.history(auctions.get_auction(auction.id), second)
    loaded = auctions.get_auction(auction.id)
    assert len(loaded.bids) == 2
    assert auctions.history(loaded, second) == as_rows
    assert [(b["sequence"], b["extended"], b["mine"], b["bidder"]) for b in as_rows] == [
        (2, True, True, "竞买人2"), (1, False, False, "竞买人1")]
