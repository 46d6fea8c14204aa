"""The demo's trading part: loaded through the services onto demo-like organisations, shown on the boards,
and removed without leaving rows behind."""
from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_achievement, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts.models import Contract
from tt_platform.database import db
from tt_platform.demo.trading import load_trading, remove_trading
from tt_platform.trading import auctions, notices, pricelistings
from tt_platform.trading.models import (
    AccessGrant,
    Auction,
    AuctionOutcome,
    AuctionRegistration,
    Bid,
    ConfidentialPart,
    NoticeObjection,
    PriceListing,
    PriceNotice,
)


def _demo_world():
    orgs = {"east_uni": make_org(OrgKind.UNIVERSITY), "mfg_inst": make_org(OrgKind.INSTITUTE),
            "ent_info": make_org(OrgKind.ENTERPRISE), "ent_mfg": make_org(OrgKind.ENTERPRISE),
            "ent_energy": make_org(OrgKind.ENTERPRISE)}
    users = {"university@demo.example.cn": make_user(orgs["east_uni"], admin=True),
             "institute@demo.example.cn": make_user(orgs["mfg_inst"], admin=True),
             "enterprise@demo.example.cn": make_user(orgs["ent_info"], admin=True),
             "operator@demo.example.cn": make_operator()}
    make_user(orgs["ent_mfg"], admin=True)
    make_user(orgs["ent_energy"], admin=True)
    for key in ("east_uni", "east_uni", "east_uni", "mfg_inst", "mfg_inst"):
        make_achievement(orgs[key])
    for org in orgs.values():
        db.session.refresh(org)
    return orgs, users


def test_demo_trading_loads_a_notice_in_its_period_and_a_listing_with_two_buyers(client, db):
    orgs, users = _demo_world()
    assert load_trading(orgs, users) == 5
    db.session.commit()
    notice = db.session.scalar(sa.select(PriceNotice))
    assert notices.phase(notice) == "on_notice" and len(notice.objections) == 1 and notice.objections[0].answer
    listing = db.session.scalar(sa.select(PriceListing))
    assert pricelistings.phase(listing) == "open" and len(listing.interests) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessGrant)) == 1
    assert notice.achievement.title in client.get("/trading/notices/").get_data(as_text=True)
    assert listing.achievement.title in client.get("/trading/listings/").get_data(as_text=True)
    finished, running = db.session.scalars(sa.select(Auction).order_by(Auction.id)).all()
    # the finished auction: a bid war whose last bid moved the end, sold, its contract drafted
    assert auctions.phase(finished) == "contracted" and finished.outcome is AuctionOutcome.SOLD
    assert finished.bid_count == 6 and finished.current_price_fen == 410_000_000
    assert finished.bids[-1].ends_after > finished.bids[-1].ends_before == finished.scheduled_end_at
    assert all(a.amount_fen < b.amount_fen and a.placed_at < b.placed_at
               for a, b in zip(finished.bids, finished.bids[1:], strict=False))
    assert finished.starts_at < finished.bids[0].placed_at and finished.closed_at > finished.ends_at
    assert db.session.get(Contract, finished.contract_id).is_demo
    # the running one: bids, and one bidder still waiting for its deposit
    assert auctions.phase(running) == "running" and running.bid_count == 2
    assert [r.deposit_confirmed_at is not None for r in running.registrations] == [True, True, False]
    board = client.get("/trading/auctions/").get_data(as_text=True)
    assert running.achievement.title in board and finished.achievement.title not in board
    assert finished.achievement.title in client.get("/trading/auctions/?show=past").get_data(as_text=True)
    assert "竞买人2" in client.get(f"/trading/auctions/{finished.id}").get_data(as_text=True)
    remove_trading(set(o.id for o in orgs.values()))
    for model in (PriceNotice, NoticeObjection, PriceListing, ConfidentialPart, AccessGrant, Auction,
                  AuctionRegistration, Bid):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
