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
    assert again.status_code == 400 and "已登记" in again.get_json()["error"]
    assert client.post(f"/api/v1/listings/{listing.id}/interest", headers=holder_auth).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingInterest)) == 1
    listing.ends_at = utcnow() - dt.timedelta(minutes=1)
    notice.ends_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()
    assert api.post(f"/api/v1/notices/{notice.id}/objections",
                    json={"text": "期满之后提出的一条异议内容。"}).status_code == 400
    assert client.get(f"/api/v1/listings/{listing.id}").get_json()["phase"] == "sold"
    assert api.post("/api/v1/listings/999999/interest").status_code == 404
