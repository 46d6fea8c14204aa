"""拍卖/竞价: the auction's rules through the service and through HTTP — registration and deposits, strictly
increasing bids with the increment, anti-sniping, the close (winner and contract, or 流拍 and relisting),
a contested price listing going to auction, bad input refused with nothing written, the permission
matrix, the live state with its ETag, the evidence file and the close notices."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.alerts.models import Notification
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import CHINA, db, utcnow
from tt_platform.security import NotAllowed
from tt_platform.trading import auctions, pricelistings
from tt_platform.trading.confidential import TradingError
from tt_platform.trading.models import Auction, AuctionOutcome, Bid, ListingOutcome, NoticeStatus

WAN = 1_000_000  # fen


def terms(**kw) -> auctions.AuctionData:
    now = utcnow()
    values = dict(start_price_fen=100 * WAN, increment_fen=5 * WAN, reserve_fen=None, reserve_shown=False,
                  deposit_fen=10 * WAN, subtype_code="TRF-01", payment_mode="lump_sum",
                  starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=2),
                  extension_minutes=5, contact="成果转化处 王老师 021-66668888", conditions="")
    values.update(kw)
    return auctions.AuctionData(**values)


@pytest.fixture
def market(db):
    seller = make_org(OrgKind.UNIVERSITY, name="拍卖大学")
    result = make_achievement(seller, field_code="T02")
    seller_user = make_user(seller, admin=True, name="卖方老师")
    bidders = [make_user(make_org(OrgKind.ENTERPRISE, name=f"竞买公司{n}"), name=f"竞买人员{n}") for n in (1, 2, 3)]
    operator = make_operator()
    stranger = make_user(make_org(OrgKind.ENTERPRISE, name="未验证公司", verified=False))
    db.session.commit()
    return {"seller": seller, "result": result, "seller_user": seller_user, "bidders": bidders,
            "operator": operator, "stranger": stranger}


def _auction(market, **kw) -> Auction:
    auction = auctions.create(market["seller_user"], market["result"], terms(**kw))
    db.session.commit()
    return auction


def _confirmed(market, auction, *users):
    regs = []
    for user in users:
        reg = auctions.register(user, auction)
        auctions.confirm_deposit(market["operator"], auction, reg.id, f"BANK-{reg.number:04d}")
        regs.append(reg)
    db.session.commit()
    return regs


def _end(auction, minutes_ago: int = 1):
    auction.ends_at = utcnow() - dt.timedelta(minutes=minutes_ago)
    auction.starts_at = auction.ends_at - dt.timedelta(hours=2)
    db.session.commit()


# --- the rules --------------------------------------------------------------------------------

def test_bids_rise_by_the_increment_and_the_highest_at_the_reserve_wins(market):
    b1, b2, _b3 = market["bidders"]
    auction = _auction(market, reserve_fen=120 * WAN)
    r1, r2 = _confirmed(market, auction, b1, b2)
    assert (r1.number, r2.number) == (1, 2)
    assert auctions.minimum_bid(auction) == 100 * WAN
    with pytest.raises(TradingError, match="起拍价"):
        auctions.place_bid(b1, auction, 99 * WAN)
    first = auctions.place_bid(b1, auction, 100 * WAN)
    assert (first.sequence, auction.current_price_fen, auction.bid_count) == (1, 100 * WAN, 1)
    with pytest.raises(TradingError, match="已是最高出价"):
        auctions.place_bid(b1, auction, 110 * WAN)
    with pytest.raises(TradingError, match="加价幅度"):
        auctions.place_bid(b2, auction, 104 * WAN)
    auctions.place_bid(b2, auction, 105 * WAN)
    auctions.place_bid(b1, auction, 130 * WAN)  # more than the increment is fine
    db.session.commit()
    assert [b.amount_fen for b in auction.bids] == [100 * WAN, 105 * WAN, 130 * WAN]
    assert auctions.phase(auction) == "running"
    _end(auction)
    assert auctions.phase(auction) == "sold" and auction.outcome is None  # computed on read
    assert auctions.close(auction) is AuctionOutcome.SOLD
    db.session.commit()
    assert auction.winner_org_id == b1.organisation.id and auction.closed_at is not None
    # the close drafted the winner's contract in the name of who set the auction up
    contract = db.session.get(Contract, auction.contract_id)
    assert auction.status is NoticeStatus.CONTRACTED and contract.status is ContractStatus.DRAFT
    assert contract.total_fen == 130 * WAN and contract.subtype_code == "TRF-01"
    assert (contract.seller_org_id, contract.buyer_org_id) == (market["seller"].id, b1.organisation.id)
    assert "（拍卖）" in contract.name
    assert auctions.close(auction) is AuctionOutcome.SOLD  # idempotent


def test_a_bid_does_not_read_the_bid_history(market):
    """Whether the bidder leads already is one row, not the whole history: a bid's cost must not grow with
    the bids before it (a live auction takes thousands)."""
    b1, b2, _b3 = market["bidders"]
    auction = _auction(market, increment_fen=WAN)
    _confirmed(market, auction, b1, b2)
    for n in range(6):
        auctions.place_bid((b1, b2)[n % 2], auction, (100 + n) * WAN)
    db.session.commit()
    db.session.expire_all()
    fresh = db.session.get(Auction, auction.id)
    auctions.place_bid(b1, fresh, 106 * WAN)
    assert sa.inspect(fresh).attrs.bids.loaded_value is sa.orm.base.NO_VALUE
    with pytest.raises(TradingError, match="已是最高出价"):
        auctions.place_bid(b1, fresh, 107 * WAN)


def test_below_the_reserve_is_no_sale_and_the_seller_relists(market, login):
    b1, b2, _ = market["bidders"]
    auction = _auction(market, reserve_fen=200 * WAN, reserve_shown=False)
    _confirmed(market, auction, b1, b2)
    auctions.place_bid(b1, auction, 150 * WAN)
    db.session.commit()
    # the hidden reserve: bidders see neither it nor whether it is met; the state says only "not met"
    state = auctions.state(auction, b2)
    assert state["reserve_fen"] is None and state["reserve_met"] is False
    assert "200.00 万元" not in login(b2).get(f"/trading/auctions/{auction.id}").get_data(as_text=True)
    _end(auction)
    assert auctions.close(auction) is AuctionOutcome.FAILED
    db.session.commit()
    assert auction.winner_org_id is None and auction.contract_id is None
    with pytest.raises(TradingError):
        auctions.draft_contract(market["seller_user"], auction)
    with pytest.raises(NotAllowed):
        auctions.relist(b1, auction, terms())
    again = auctions.relist(market["seller_user"], auction, terms(start_price_fen=90 * WAN))
    db.session.commit()
    assert again.previous_id == auction.id and again.start_price_fen == 90 * WAN and again.registrations == []
    assert auctions.phase(auction) == "failed" and auction.status is NoticeStatus.WITHDRAWN
    with pytest.raises(TradingError):
        auctions.relist(market["seller_user"], auction, terms())


def test_no_bid_at_all_is_no_sale(market):
    auction = _auction(market)
    _end(auction)
    assert auctions.close_due() == 1
    assert auction.outcome is AuctionOutcome.FAILED


def test_a_bid_in_the_last_minutes_moves_the_end_by_the_window(market):
    b1, b2, _ = market["bidders"]
    auction = _auction(market, extension_minutes=5)
    _confirmed(market, auction, b1, b2)
    early = auctions.place_bid(b1, auction, 100 * WAN)
    assert early.ends_after == early.ends_before  # two hours left: no extension
    end = utcnow() + dt.timedelta(minutes=3)
    auction.ends_at = end
    db.session.commit()
    late = auctions.place_bid(b2, auction, 105 * WAN)
    assert late.ends_before == end and late.ends_after == end + dt.timedelta(minutes=5)
    assert auction.ends_at == end + dt.timedelta(minutes=5) and auction.scheduled_end_at != auction.ends_at
    # now 8 minutes are left: outside the window, the next bid leaves the end alone
    third = auctions.place_bid(b1, auction, 110 * WAN)
    assert third.ends_after == third.ends_before == end + dt.timedelta(minutes=5)


def test_a_bid_on_a_stale_state_is_refused_and_told_the_new_price(market):
    """The compare-and-set: a bid made on a version that moved meanwhile (another bid went in) is refused
    with the current price, and nothing of it is written."""
    b1, b2, b3 = market["bidders"]
    auction = _auction(market)
    _confirmed(market, auction, b1, b2, b3)
    auctions.place_bid(b1, auction, 100 * WAN)
    db.session.commit()
    seen = auction.version
    # b2 and b3 both saw this version and both bid 105; b3's request runs first (as another session would,
    # leaving b2's copy of the auction as it was)
    db.session.execute(sa.update(Auction).where(Auction.id == auction.id).values(
        version=Auction.version + 1, current_price_fen=105 * WAN, bid_count=Auction.bid_count + 1),
        execution_options={"synchronize_session": False})
    db.session.add(Bid(auction_id=auction.id, registration_id=auction.registrations[2].id, user_id=b3.id,
                       sequence=2, amount_fen=105 * WAN, placed_at=utcnow(), ends_before=auction.ends_at,
                       ends_after=auction.ends_at))
    db.session.flush()
    assert auction.version == seen and auction.current_price_fen == 100 * WAN
    with pytest.raises(auctions.BidConflict, match="抢先出价") as refused:
        auctions.place_bid(b2, auction, 105 * WAN)
    assert refused.value.current_fen == 105 * WAN and refused.value.minimum_fen == 110 * WAN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 2
    assert auctions.place_bid(b2, auction, 110 * WAN).sequence == 3


def test_a_close_never_runs_over_a_bid_that_moved_the_end(market):
    b1, _, _ = market["bidders"]
    auction = _auction(market)
    _confirmed(market, auction, b1)
    auction.ends_at = utcnow() + dt.timedelta(seconds=30)
    db.session.commit()
    auctions.place_bid(b1, auction, 100 * WAN)  # extends by 5 minutes
    assert auctions.close(auction, now=utcnow() + dt.timedelta(minutes=1)) is None
    assert auction.outcome is None


# --- a contested price listing goes to auction --------------------------------------------------

def test_a_listing_with_two_intending_buyers_becomes_an_auction_among_them(market, login):
    b1, b2, b3 = market["bidders"]
    listing = pricelistings.post(market["seller_user"], market["result"], pricelistings.ListingData(
        price_fen=80 * WAN, subtype_code="LIC-01", exclusive=True, payment_mode="entry_fee_royalty",
        working_days=10, contact="成果转化处 李老师 010-66668888"))
    for buyer in (b2, b1):
        pricelistings.register_interest(buyer, listing)
    listing.ends_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert pricelistings.phase(listing) == "contested"
    seller = login(market["seller_user"])
    page = seller.get(f"/trading/listings/{listing.id}").get_data(as_text=True)
    assert f"/trading/auctions/new/{market['result'].id}?listing={listing.id}" in page
    form = seller.get(f"/trading/auctions/new/{market['result'].id}?listing={listing.id}").get_data(as_text=True)
    assert "auction-from-listing" in form and "80.00 万元" in form
    start = (utcnow() + dt.timedelta(hours=1)).astimezone(CHINA)
    response = seller.post(f"/trading/auctions/new/{market['result'].id}?listing={listing.id}", data={
        "start_price_wan": "1", "increment_wan": "2", "deposit_wan": "5", "subtype_code": "TRF-01",
        "payment_mode": "lump_sum", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"), "extension_minutes": "3",
        "contact": "成果转化处 李老师 010-66668888"})
    assert response.status_code == 302
    auction = db.session.scalar(sa.select(Auction).where(Auction.listing_id == listing.id))
    # the listed price and terms carry over, whatever the form said
    assert (auction.start_price_fen, auction.subtype_code, auction.payment_mode) == (80 * WAN, "LIC-01",
                                                                                      "entry_fee_royalty")
    assert [(r.number, r.organisation_id) for r in auction.registrations] == [
        (1, b2.organisation.id), (2, b1.organisation.id)]  # in the order they registered interest
    assert all(r.deposit_confirmed_at is None for r in auction.registrations)
    assert listing.outcome is ListingOutcome.CONTESTED and listing.closed_at is not None
    with pytest.raises(TradingError, match="意向受让方"):
        auctions.register(b3, auction)
    with pytest.raises(TradingError, match="已转为拍卖"):
        auctions.from_listing(market["seller_user"], listing, terms())
    with pytest.raises(TradingError):
        pricelistings.withdraw(market["seller_user"], listing)


def test_a_listing_with_one_or_no_buyer_does_not_go_to_auction(market):
    listing = pricelistings.post(market["seller_user"], market["result"], pricelistings.ListingData(
        price_fen=80 * WAN, subtype_code="LIC-01", exclusive=True, payment_mode="lump_sum", working_days=10,
        contact="成果转化处 李老师 010-66668888"))
    pricelistings.register_interest(market["bidders"][0], listing)
    listing.ends_at = utcnow() - dt.timedelta(minutes=1)
    db.session.flush()
    with pytest.raises(TradingError, match="两个及以上"):
        auctions.from_listing(market["seller_user"], listing, terms())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Auction)) == 0


# --- bad input: each refused clearly, nothing written ------------------------------------------

def _bid_page(client, auction, amount):
    return client.post(f"/trading/auctions/{auction.id}/bids", data={"amount_wan": amount}, follow_redirects=True)


@pytest.mark.parametrize(("amount", "message"), [
    ("104", "加价幅度"),  # below the increment over the current price
    ("abc", "请以万元为单位输入金额"),  # non-numeric
    ("1e309", "0 至 99,999,999.99 万元"),  # huge
    ("-5", "0 至 99,999,999.99 万元"),
    ("100.001", "最多保留两位小数"),
    ("", "此项为必填项"),
])
def test_bad_bids_are_refused_clearly_and_nothing_is_written(market, login, amount, message):
    b1, b2, _ = market["bidders"]
    auction = _auction(market)
    _confirmed(market, auction, b1, b2)
    auctions.place_bid(b1, auction, 100 * WAN)
    db.session.commit()
    page = _bid_page(login(b2), auction, amount)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert message in text, re.findall(r'alert-danger[^>]*>([^<]*)', text)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 1
    db.session.refresh(auction)
    assert auction.current_price_fen == 100 * WAN and auction.version == 1  # the one bid, nothing else


def test_bids_after_the_end_by_the_seller_unregistered_or_unconfirmed_are_refused(market, login):
    b1, b2, b3 = market["bidders"]
    auction = _auction(market)
    _confirmed(market, auction, b1)
    auctions.register(b2, auction)  # registered, deposit not confirmed
    db.session.commit()
    cases = [(market["seller_user"], "卖方单位不得参与竞价"), (b3, "请先登记"),
             (b2, "保证金尚未确认"), (market["stranger"], "请先登记")]
    for user, message in cases:
        assert message in _bid_page(login(user), auction, "100").get_data(as_text=True), user.name
    _end(auction)
    assert "拍卖已结束" in _bid_page(login(b1), auction, "100").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0


def test_auction_terms_are_checked(market):
    now = utcnow()
    bad = [dict(start_price_fen=0), dict(increment_fen=0), dict(reserve_fen=50 * WAN),
           dict(deposit_fen=-1), dict(subtype_code="DEV-01"), dict(payment_mode="barter"),
           dict(extension_minutes=0), dict(extension_minutes=61), dict(starts_at=now - dt.timedelta(hours=1)),
           dict(ends_at=now + dt.timedelta(minutes=10)), dict(ends_at=now + dt.timedelta(days=40)),
           dict(contact="abc"), dict(conditions="x" * 2001), dict(contact="联系人\x00电话")]
    for change in bad:
        with pytest.raises(TradingError):
            auctions.create(market["seller_user"], market["result"], terms(**change))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Auction)) == 0
    with pytest.raises(NotAllowed):
        auctions.create(market["bidders"][0], market["result"], terms())
    _auction(market)
    with pytest.raises(TradingError, match="已有拍卖"):
        auctions.create(market["seller_user"], market["result"], terms())


def test_the_form_refuses_bad_terms_with_messages(market, login):
    seller = login(market["seller_user"])
    url = f"/trading/auctions/new/{market['result'].id}"
    page = seller.get(url).get_data(as_text=True)
    assert 'name="starts_at"' in page and 'value="80' in page  # the result's asking price pre-fills the start
    assert 'value="123.45"' in seller.get(f"{url}?price=123.45").get_data(as_text=True)  # from a worksheet
    response = seller.post(url, data={"start_price_wan": "1e309", "increment_wan": "x", "deposit_wan": "1",
                                      "starts_at": "tomorrow", "ends_at": "", "extension_minutes": "5",
                                      "contact": "成果转化处 王老师"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Auction)) == 0


# --- the permission matrix ---------------------------------------------------------------------

def test_permission_matrix(market, login, client):
    b1, b2, b3 = market["bidders"]
    auction = _auction(market)
    reg1, = _confirmed(market, auction, b1)
    reg2 = auctions.register(b2, auction)
    db.session.commit()
    url = f"/trading/auctions/{auction.id}"

    # who may register: verified organisations other than the seller, once
    for user, message in ((market["seller_user"], "卖方单位不得参与竞价"), (market["stranger"], "已认证"),
                          (b1, "已登记")):
        assert message in login(user).post(f"{url}/register", follow_redirects=True).get_data(as_text=True)
    assert client.post(f"{url}/register").status_code == 302  # to the login page
    assert "/login" in client.post(f"{url}/register").headers["Location"]

    # who may confirm deposits: operators only
    for user in (market["seller_user"], b2, b3):
        assert login(user).post(f"{url}/registrations/{reg2.id}/deposit", data={"reference": "X1"}).status_code == 403
    assert reg2.deposit_confirmed_at is None
    with pytest.raises(NotAllowed):
        auctions.confirm_deposit(b1, auction, reg2.id, "X1")
    operator = login(market["operator"])
    assert operator.post(f"{url}/registrations/{reg2.id}/deposit", data={"reference": ""},
                         follow_redirects=True).status_code == 200
    db.session.refresh(reg2)
    assert reg2.deposit_confirmed_at is None
    operator.post(f"{url}/registrations/{reg2.id}/deposit", data={"reference": "ICBC-20261207-0001"})
    db.session.refresh(reg2)
    assert reg2.deposit_confirmed_at is not None and reg2.deposit_reference == "ICBC-20261207-0001"
    with pytest.raises(TradingError, match="已确认"):
        auctions.confirm_deposit(market["operator"], auction, reg2.id, "again")

    # who may bid: confirmed bidders (b1, b2), not the operator who is no bidder
    assert _bid_page(login(b1), auction, "100").status_code == 200
    assert _bid_page(login(b2), auction, "105").status_code == 200
    assert "请先登记" in _bid_page(operator, auction, "110").get_data(as_text=True)
    db.session.refresh(auction)
    assert auction.bid_count == 2

    # who sees the names: operators during the auction; bidders and the public never; the seller after the close
    def sees_names(c):
        return "竞买公司1" in c.get(url).get_data(as_text=True)
    assert sees_names(operator)
    assert not any(sees_names(c) for c in (client, login(b1), login(b2), login(b3), login(market["seller_user"])))
    page = login(b1).get(url).get_data(as_text=True)
    assert "竞买人1" in page and "竞买人2" in page and "我方" in page

    # who may close: nobody before the end; the seller and operators after it (reading closes it too)
    for user in (market["seller_user"], market["operator"]):
        assert "竞价持续至" in login(user).post(f"{url}/close", follow_redirects=True).get_data(as_text=True)
    assert login(b3).post(f"{url}/close").status_code == 403
    assert auction.outcome is None
    # withdrawing: the seller only, and only before the first bid
    assert login(b1).post(f"{url}/withdraw").status_code == 403
    assert "已有出价" in login(market["seller_user"]).post(f"{url}/withdraw", follow_redirects=True).get_data(
        as_text=True)
    _end(auction)
    assert login(market["operator"]).post(f"{url}/close").status_code == 302
    db.session.refresh(auction)
    assert auction.outcome is AuctionOutcome.SOLD and auction.winner_org_id == b2.organisation.id
    assert sees_names(login(market["seller_user"]))
    assert not sees_names(login(b1)) and not sees_names(client)
    winner_page = login(b2).get(url).get_data(as_text=True)
    assert 'id="auction-winner"' in winner_page and "竞买公司2" in winner_page
    assert reg1.number == 1


def test_reading_a_page_past_its_end_closes_it_and_notifies_every_bidder(market, login, client):
    b1, b2, b3 = market["bidders"]
    auction = _auction(market)
    _confirmed(market, auction, b1, b2)
    auctions.register(b3, auction)
    auctions.place_bid(b1, auction, 100 * WAN)
    auctions.place_bid(b2, auction, 120 * WAN)
    db.session.commit()
    _end(auction)
    assert client.get(f"/trading/auctions/{auction.id}").status_code == 200
    db.session.refresh(auction)
    assert auction.outcome is AuctionOutcome.SOLD and auction.contract_id is not None
    notes = {n.user_id: n.message for n in db.session.scalars(sa.select(Notification).where(
        Notification.listing_type == "auction", Notification.listing_id == auction.id))}
    assert set(notes) == {b1.id, b2.id, b3.id, market["seller_user"].id}
    assert "贵单位" in notes[b2.id] and "120.00 万元" in notes[b2.id]
    assert "其他竞买人" in notes[b1.id]
    # the winner's contract is in the contracts flow, and the contract shows where it came from
    seller = login(market["seller_user"])
    contract_page = seller.get(f"/contracts/{auction.contract_id}").get_data(as_text=True)
    assert f"/trading/auctions/{auction.id}" in contract_page
    assert "auction-contract" in seller.get(f"/trading/auctions/{auction.id}").get_data(as_text=True)


# --- the live state -----------------------------------------------------------------------------

def test_the_live_state_answers_304_until_something_changes(market, login, client):
    b1, b2, _ = market["bidders"]
    auction = _auction(market)
    _confirmed(market, auction, b1, b2)
    url = f"/trading/auctions/{auction.id}/state.json"
    first = login(b1).get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    state = first.get_json()
    assert state["phase"] == "running" and state["current_price_fen"] is None and state["bids"] == []
    assert state["you"] == {"bidder": "竞买人1", "deposit_confirmed": True, "leading": False}
    assert dt.datetime.fromisoformat(state["ends_at"]) == auction.ends_at
    tag = first.headers["ETag"]
    again = login(b1).get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and not again.get_data()
    auctions.place_bid(b2, auction, 100 * WAN)
    db.session.commit()
    changed = login(b1).get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    bids = changed.get_json()["bids"]
    assert bids == [{"sequence": 1, "bidder": "竞买人2", "amount_fen": 100 * WAN, "placed_at": bids[0]["placed_at"],
                     "extended": False, "mine": False, "organisation": None}]
    assert login(b2).get(url).get_json()["bids"][0]["mine"] is True
    assert login(b2).get(url).get_json()["you"]["leading"] is True
    # another viewer with the first viewer's tag gets its own answer (the tag is per viewer)
    assert client.get(url, headers={"If-None-Match": changed.headers["ETag"]}).status_code == 200
    assert client.get(url).get_json()["you"] is None
    assert login(market["operator"]).get(url).get_json()["bids"][0]["organisation"] == "竞买公司2"
    # a deposit confirmed changes the waiting bidder's answer (its page then offers the bid form), and only its
    b3 = market["bidders"][2]
    registration = auctions.register(b3, auction)
    db.session.commit()
    waiting = login(b3).get(url)
    assert waiting.get_json()["you"] == {"bidder": "竞买人3", "deposit_confirmed": False, "leading": False}
    seen_by_b1 = login(b1).get(url).headers["ETag"]
    auctions.confirm_deposit(market["operator"], auction, registration.id, "BANK-3")
    db.session.commit()
    assert login(b3).get(url, headers={"If-None-Match": waiting.headers["ETag"]}).get_json()["you"][
        "deposit_confirmed"] is True
    assert login(b1).get(url, headers={"If-None-Match": seen_by_b1}).status_code == 304


def test_the_live_page_loads_its_script_from_self_under_the_csp(market, client):
    auction = _auction(market)
    response = client.get(f"/trading/auctions/{auction.id}")
    page = response.get_data(as_text=True)
    assert '<script src="/static/js/auction.js">' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.search(r"<script>(?!</script>)", page) is None  # no inline script
    with client.get("/static/js/auction.js") as script:
        assert script.status_code == 200 and b"If-None-Match" in script.data
    assert 'id="auction-countdown"' in page and f'/trading/auctions/{auction.id}/state.json' in page


def test_the_boards_list_running_and_past_auctions(market, client):
    auction = _auction(market)
    assert market["result"].title in client.get("/trading/auctions/").get_data(as_text=True)
    _end(auction)
    assert market["result"].title not in client.get("/trading/auctions/").get_data(as_text=True)
    assert market["result"].title in client.get("/trading/auctions/?show=past").get_data(as_text=True)


# --- the evidence file --------------------------------------------------------------------------

def test_the_evidence_file_holds_every_bid_and_the_close_with_times(market, login):
    b1, b2, _ = market["bidders"]
    auction = _auction(market)
    _confirmed(market, auction, b1, b2)
    bids = [auctions.place_bid(b1, auction, 100 * WAN), auctions.place_bid(b2, auction, 105 * WAN),
            auctions.place_bid(b1, auction, 111 * WAN)]
    db.session.commit()
    url = f"/trading/auctions/{auction.id}/evidence"
    seller = login(market["seller_user"])
    assert seller.get(url).status_code == 403  # names of bidders: not while the auction runs
    operator = login(market["operator"])
    assert operator.get(url).status_code == 200
    _end(auction)
    auctions.close(auction)
    db.session.commit()
    page = seller.get(url).get_data(as_text=True)
    for bid in bids:
        assert bid.placed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") in page
    for text in ("拍卖/竞价", "竞买人1 (竞买公司1)", "111.00 万元", "BANK-0001", "拍卖结束", "保证金已确认",
                 auction.closed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")):
        assert text in page, text
    assert login(b1).get(url).status_code == 403
    pdf = seller.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_the_result_page_shows_its_auctions_and_offers_one_to_its_owner(market, login, client):
    url = f"/results/{market['result'].id}"
    seller = login(market["seller_user"])
    assert 'id="auction-this"' in seller.get(url).get_data(as_text=True)
    assert 'id="auction-this"' not in login(market["bidders"][0]).get(url).get_data(as_text=True)
    auction = _auction(market)
    page = client.get(url).get_data(as_text=True)
    assert f"/trading/auctions/{auction.id}" in page and "竞价中" in page
    assert 'id="auction-this"' not in seller.get(url).get_data(as_text=True)  # one running auction at a time


def test_the_seller_withdraws_before_any_bid_and_relists_after_no_sale_through_the_pages(market, login):
    seller = login(market["seller_user"])
    auction = _auction(market)
    assert seller.post(f"/trading/auctions/{auction.id}/withdraw").status_code == 302
    db.session.refresh(auction)
    assert auctions.phase(auction) == "withdrawn"
    failed = _auction(market)
    _end(failed)
    page = seller.get(f"/trading/auctions/{failed.id}").get_data(as_text=True)
    assert 'id="relist-form"' in page and "流拍" in page
    start = (utcnow() + dt.timedelta(days=1)).astimezone(CHINA)
    response = seller.post(f"/trading/auctions/{failed.id}/relist", data={
        "start_price_wan": "90", "increment_wan": "2", "deposit_wan": "5", "subtype_code": "TRF-01",
        "payment_mode": "lump_sum", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "extension_minutes": "5",
        "contact": "成果转化处 王老师 021-66668888"})
    again = db.session.scalar(sa.select(Auction).where(Auction.previous_id == failed.id))
    assert response.headers["Location"].endswith(f"/trading/auctions/{again.id}")
    assert again.start_price_fen == 90 * WAN and auctions.phase(again) == "upcoming"
    assert again.starts_at.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M") == start.strftime("%Y-%m-%dT%H:%M")
    _confirmed(market, again, market["bidders"][0])  # registration opens before the bidding does
    assert "竞价尚未开始" in _bid_page(login(market["bidders"][0]), again, "90").get_data(as_text=True)


def test_operators_confirm_deposits_from_their_desk(market, login, client):
    b1, b2, _ = market["bidders"]
    auction = _auction(market)
    waiting = auctions.register(b1, auction)
    _confirmed(market, auction, b2)
    db.session.commit()
    for user in (market["seller_user"], b1):
        assert login(user).get("/trading/auctions/deposits").status_code == 403
    assert "/login" in client.get("/trading/auctions/deposits").headers["Location"]
    operator = login(market["operator"])
    assert 'id="deposit-desk"' in operator.get("/trading/auctions/").get_data(as_text=True)
    desk = operator.get("/trading/auctions/deposits").get_data(as_text=True)
    assert "竞买公司1" in desk and "竞买公司2" not in desk  # only deposits still to confirm
    response = operator.post(f"/trading/auctions/{auction.id}/registrations/{waiting.id}/deposit",
                             data={"reference": "ICBC-0001", "back": "desk"})
    assert response.headers["Location"].endswith("/trading/auctions/deposits")
    db.session.refresh(waiting)
    assert waiting.deposit_confirmed_at is not None
    assert "暂无待确认的保证金" in operator.get("/trading/auctions/deposits").get_data(as_text=True)
    late = auctions.register(market["bidders"][2], auction)
    db.session.commit()
    assert auctions.pending_deposits(market["operator"]) == [late]
    _end(auction)  # an auction past its end: nothing of it is left to confirm
    assert auctions.pending_deposits(market["operator"]) == []
    with pytest.raises(NotAllowed):
        auctions.pending_deposits(b1)


def test_the_cron_command_closes_auctions_past_their_end(market, app, outbox_mail):
    b1, b2, _ = market["bidders"]
    auction = _auction(market, reserve_fen=150 * WAN)
    _confirmed(market, auction, b1, b2)
    auctions.place_bid(b1, auction, 100 * WAN)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "closed auctions: 0" in runner.invoke(args=["trading", "close"]).output  # still running
    _end(auction)
    result = runner.invoke(args=["trading", "close"])
    assert result.exit_code == 0 and "closed auctions: 1" in result.output
    db.session.refresh(auction)
    assert auction.outcome is AuctionOutcome.FAILED  # 100 万元 is below the reserve of 150 万元
    # the bidders were told, by e-mail too, with a link to the auction built against the public address
    mail = [m for m in outbox_mail if m["To"] in (b1.email, b2.email)]
    assert {m["To"] for m in mail} == {b1.email, b2.email}
    assert all(f"http://127.0.0.1:5000/trading/auctions/{auction.id}" in m.get_content()
               and "流拍" in m.get_content() for m in mail)
    assert "closed auctions: 0" in runner.invoke(args=["trading", "close"]).output  # idempotent


def test_the_navigation_leads_to_the_three_trading_boards(client, db):
    page = client.get("/").get_data(as_text=True)
    for board in ("/trading/notices/", "/trading/listings/", "/trading/auctions/"):
        assert f'href="{board}"' in page
    assert "拍卖/竞价" in client.get("/trading/auctions/").get_data(as_text=True)


def test_an_operator_does_not_confirm_the_deposit_of_its_own_organisation(market):
    """Separation of duties: an operator's organisation may bid, but another operator records its deposit."""
    auction = _auction(market)
    own = make_user(market["operator"].organisation, name="运营单位同事")
    registration = auctions.register(own, auction)
    with pytest.raises(NotAllowed, match="另一位运营人员"):
        auctions.confirm_deposit(market["operator"], auction, registration.id, "BANK-0001")
    assert registration.deposit_confirmed_at is None
    colleague = make_operator()  # of another operating organisation
    auctions.confirm_deposit(colleague, auction, registration.id, "BANK-0001")
    assert registration.deposit_confirmed_by_id == colleague.id
