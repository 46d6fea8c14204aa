"""Price notices and listings in the JSON API: public reads (never a confidential part), objections and
registrations of interest by session or token, refusals as 400 with the rule's message."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.factories import make_org, make_user
from tests.tt_platform.trading.helpers import SECRET, confidential_result
from tt_platform.accounts.models import OrgKind
from tt_platform.api import tokens
from tt_platform.database import db, utcnow
from tt_platform.trading import notices, pricelistings
from tt_platform.trading.models import ListingInterest, NoticeObjection


def _deals():
    result, holder, _part = confidential_result()
    buyer = make_org(OrgKind.ENTERPRISE, name="接口受让公司")
    notice = notices.post(holder, result, notices.NoticeData(
        buyer_credit_code=buyer.credit_code, price_fen=12_345_600, subtype_code="TRF-01", notice_days=15,
        contact="王老师 0571-88880000"))
    listing = pricelistings.post(holder, result, pricelistings.ListingData(
        price_fen=20_000_000, subtype_code="LIC-01", exclusive=True, payment_mode="lump_sum", working_days=20,
        contact="李老师 010-66668888"))
    db.session.commit()
    return notice, listing, holder


def test_public_reads_of_notices_and_listings(client, db):
    notice, listing, _holder = _deals()
    items = client.get("/api/v1/notices").get_json()["items"]
    assert [i["id"] for i in items] == [notice.id]
    item = client.get(f"/api/v1/notices/{notice.id}").get_json()
    assert item["price_fen"] == 12_345_600 and item["price_wan"] == "12.35" and item["phase"] == "on_notice"
    assert item["buyer"]["name"] == "接口受让公司" and item["objections"] == 0
    assert client.get("/api/v1/notices?show=past").get_json()["items"] == []
    listing_item = client.get(f"/api/v1/listings/{listing.id}").get_json()
    assert listing_item["phase"] == "open" and listing_item["intending_buyers"] == 0
    assert [i["id"] for i in client.get("/api/v1/listings").get_json()["items"]] == [listing.id]
    assert client.get("/api/v1/listings?show=past").get_json()["items"] == []
    for url in ("/api/v1/notices", f"/api/v1/notices/{notice.id}", "/api/v1/listings",
                f"/api/v1/listings/{listing.id}"):
        assert SECRET.encode() not in client.get(url).data
    assert client.get("/api/v1/notices/999999").status_code == 404
    assert client.get("/api/v1/listings/999999").status_code == 404


def _bearer(user) -> dict:
    _token, secret = tokens.issue(user, "test")
    return {"Authorization": f"Bearer {secret}"}


def test_objections_and_interest_through_the_api(client, db):
    """By token, as bidding and filing tools would call it."""
    notice, listing, holder = _deals()
    anonymous = client.post(f"/api/v1/notices/{notice.id}/objections", json={"text": "一条匿名的异议内容。"})
    assert anonymous.status_code in (400, 401)  # no session: the CSRF check or the login check refuses it
    user = make_user(make_org(OrgKind.ENTERPRISE))
    auth, holder_auth = _bearer(user), _bearer(holder)
    db.session.commit()

    class Api:  # the test client with the user's token on every call
        @staticmethod
        def post(url, **kw):
            return client.post(url, headers=auth, **kw)

    api = Api()
    response = api.post(f"/api/v1/notices/{notice.id}/objections", json={"text": "请说明定价依据与评估方法。"})
    assert response.status_code == 201 and response.get_json()["status"] == "open"
    response = api.post(f"/api/v1/notices/{notice.id}/objections", json={"text": 5})
    assert response.status_code == 400 and "异议" in response.get_json()["error"]
    assert api.post(f"/api/v1/notices/{notice.id}/objections", json={"text": "短"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoticeObjection)) == 1
    response = api.post(f"/api/v1/listings/{listing.id}/interest")
    assert response.status_code == 201 and response.get_json()["organisation_id"] == user.organisation.id
    again = api.post(f"/api/v1/listings/{listing.id}/interest")
    assert again.status_code == 409 and "已登记" in again.get_json()["error"]  # the listing's state, not the request
    assert client.post(f"/api/v1/listings/{listing.id}/interest", headers=holder_auth).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingInterest)) == 1
    listing.ends_at = utcnow() - dt.timedelta(minutes=1)
    notice.ends_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert api.post(f"/api/v1/notices/{notice.id}/objections",
                    json={"text": "期满之后提出的一条异议内容。"}).status_code == 409  # the period is over
    assert client.get(f"/api/v1/listings/{listing.id}").get_json()["phase"] == "sold"
    assert api.post("/api/v1/listings/999999/interest").status_code == 404


def _auction(holder, result, **kw):
    from tt_platform.trading import auctions

    now = utcnow()
    data = dict(start_price_fen=50_000_000, increment_fen=1_000_000, reserve_fen=80_000_000, reserve_shown=False,
                deposit_fen=5_000_000, subtype_code="TRF-01", payment_mode="lump_sum",
                starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1), extension_minutes=5,
                contact="王老师 0571-88880000")
    data.update(kw)
    return auctions.create(holder, result, auctions.AuctionData(**data))


def test_auctions_and_bids_by_token(client, db):
    """Bidding tools: list and read auctions, register, bid by token; a lost race is a 409 with the new
    minimum, a broken rule a 400 with its message, and nothing half-written."""
    from tests.factories import make_achievement, make_operator
    from tt_platform.trading import auctions
    from tt_platform.trading.models import Bid

    holder = make_user(make_org(OrgKind.UNIVERSITY))
    auction = _auction(holder, make_achievement(holder.organisation))
    bidders = [make_user(make_org(OrgKind.ENTERPRISE, name=f"接口竞买公司{n}")) for n in (1, 2)]
    auths = [_bearer(u) for u in bidders]
    operator = make_operator()
    db.session.commit()
    items = client.get("/api/v1/auctions").get_json()["items"]
    assert [i["id"] for i in items] == [auction.id]
    item = client.get(f"/api/v1/auctions/{auction.id}").get_json()
    assert item["phase"] == "running" and item["minimum_bid_fen"] == 50_000_000 and item["bids"] == []
    assert item["reserve_fen"] is None and item["has_reserve"] is True  # hidden reserve
    assert client.get("/api/v1/auctions?show=past").get_json()["items"] == []
    assert client.get("/api/v1/auctions/999999").status_code == 404

    bid_url = f"/api/v1/auctions/{auction.id}/bids"
    assert client.post(bid_url, json={"amount_fen": 50_000_000}).status_code in (400, 401)  # no token
    registered = client.post(f"/api/v1/auctions/{auction.id}/registrations", headers=auths[0])
    assert registered.status_code == 201 and registered.get_json()["bidder"] == "竞买人1"
    unconfirmed = client.post(bid_url, headers=auths[0], json={"amount_fen": 50_000_000})
    assert unconfirmed.status_code == 400 and "保证金尚未确认" in unconfirmed.get_json()["error"]
    client.post(f"/api/v1/auctions/{auction.id}/registrations", headers=auths[1])
    for registration in auction.registrations:
        auctions.confirm_deposit(operator, auction, registration.id, "BANK-1")
    db.session.commit()

    for body, message in (({"amount_fen": "50000000"}, "整数"), ({"amount_fen": 1e309}, "整数"),
                          ({"amount_fen": True}, "整数"), ({"amount_fen": 49_999_999}, "起拍价"),
                          ({"amount_fen": 10**20}, "1 万亿元"), ({}, "整数")):
        refused = client.post(bid_url, headers=auths[0], json=body)
        assert refused.status_code == 400 and message in refused.get_json()["error"], body
    refused = client.post(bid_url, headers=auths[0], data="amount_fen=1", content_type="text/plain")
    assert refused.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Bid)) == 0

    first = client.post(bid_url, headers=auths[0], json={"amount_fen": 50_000_000})
    assert first.status_code == 201 and first.get_json()["sequence"] == 1 and first.get_json()["extended"] is False
    view = client.get(f"/api/v1/auctions/{auction.id}", headers=auths[0]).get_json()
    assert view["bids"][0]["bidder"] == "竞买人1" and view["bids"][0]["mine"] is True
    assert view["bids"][0]["organisation"] is None and view["you"]["leading"] is True
    assert client.get(f"/api/v1/auctions/{auction.id}", headers=auths[1]).get_json()["bids"][0]["mine"] is False
    # a tool polls with If-None-Match: 304 until a bid changes the auction, then the new state
    seen = client.get(f"/api/v1/auctions/{auction.id}", headers=auths[1])
    again = client.get(f"/api/v1/auctions/{auction.id}", headers={**auths[1], "If-None-Match": seen.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    mine = client.get(f"/api/v1/auctions/{auction.id}", headers={**auths[0], "If-None-Match": seen.headers["ETag"]})
    assert mine.status_code == 200  # another viewer (registration, names) has another tag
    below = client.post(bid_url, headers=auths[1], json={"amount_fen": 50_500_000})
    assert below.status_code == 400 and "加价幅度" in below.get_json()["error"]
    assert client.post(bid_url, headers=auths[1], json={"amount_fen": 51_000_000}).status_code == 201
    changed = client.get(f"/api/v1/auctions/{auction.id}", headers={**auths[1], "If-None-Match": seen.headers["ETag"]})
    assert changed.status_code == 200 and changed.get_json()["bid_count"] == 2
    assert client.post(bid_url, headers=_bearer(holder), json={"amount_fen": 60_000_000}).status_code == 400
    assert db.session.scalar(sa.select(Bid.channel).limit(1)) == "api"


def test_a_lost_race_through_the_api_is_a_409(client, db, monkeypatch):
    from tests.factories import make_achievement, make_operator
    from tt_platform.trading import auctions

    holder = make_user(make_org(OrgKind.UNIVERSITY))
    auction = _auction(holder, make_achievement(holder.organisation))
    bidder = make_user(make_org(OrgKind.ENTERPRISE))
    auth = _bearer(bidder)
    registration = auctions.register(bidder, auction)
    auctions.confirm_deposit(make_operator(), auction, registration.id, "BANK-9")
    db.session.commit()
    real = auctions.place_bid

    def other_bid_first(user, item, amount, channel="web"):
        # another bidder's bid commits between this request's read and its compare-and-set
        db.session.execute(sa.update(auctions.Auction).where(auctions.Auction.id == item.id).values(
            version=auctions.Auction.version + 1, current_price_fen=60_000_000),
            execution_options={"synchronize_session": False})
        return real(user, item, amount, channel)

    monkeypatch.setattr(auctions, "place_bid", other_bid_first)
    response = client.post(f"/api/v1/auctions/{auction.id}/bids", headers=auth, json={"amount_fen": 50_000_000})
    assert response.status_code == 409
    body = response.get_json()
    assert body["current_price_fen"] == 60_000_000 and body["minimum_bid_fen"] == 61_000_000
    assert "抢先出价" in body["error"] and "61.00 万元" in body["error"]
