"""挂牌交易 through HTTP: listing a result at a price for working days, intending buyers registering, the
close computed on read and made durable by `flask trading close`, one buyer → a contract at the listed
price, none → a relisting at the same or a lower price, two or more → contested; bad input, permissions."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.database import CHINA, db, utcnow
from tt_platform.listings.models import ListingStatus
from tt_platform.trading import pricelistings
from tt_platform.trading.models import ListingInterest, ListingOutcome, NoticeStatus, PriceListing


@pytest.fixture
def market(db):
    seller = make_org(OrgKind.INSTITUTE, name="挂牌研究院")
    result = make_achievement(seller, field_code="T02")
    seller_user = make_user(seller, admin=True)
    buyers = [make_user(make_org(OrgKind.ENTERPRISE, name=f"意向公司{n}")) for n in (1, 2)]
    db.session.commit()  # a view that rolls back a refused change must not take the fixtures with it
    return {"seller": seller, "result": result, "seller_user": seller_user, "buyers": buyers}


def _form(**kw):
    return {"price_wan": "200", "subtype_code": "LIC-01", "exclusive": "y", "payment_mode": "entry_fee_royalty",
            "working_days": "20", "contact": "成果转化处 李老师 010-66668888", "conditions": "许可期限五年。", **kw}


def _list(client, market, **kw):
    return client.post(f"/trading/listings/new/{market['result'].id}", data=_form(**kw))


def _listed(market, login) -> PriceListing:
    assert _list(login(market["seller_user"]), market).status_code == 302
    return db.session.scalar(sa.select(PriceListing).order_by(PriceListing.id.desc()))


def _close_period(listing):
    listing.starts_at = utcnow() - dt.timedelta(days=40)
    listing.ends_at = utcnow() - dt.timedelta(minutes=1)
    db.session.commit()


def test_working_days_skip_weekends_and_end_at_midnight_beijing():
    friday = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)  # Friday 10:00 in Beijing
    assert pricelistings.working_period_end(friday, 1) == dt.datetime(2026, 12, 5, tzinfo=CHINA).astimezone(dt.UTC)
    # Fri 4 is day 1, Mon 7 … Thu 10 are days 2–5: the period ends at midnight after Thursday the 10th
    assert pricelistings.working_period_end(friday, 5) == dt.datetime(2026, 12, 11, tzinfo=CHINA).astimezone(dt.UTC)
    saturday = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)
    assert pricelistings.working_period_end(saturday, 1) == dt.datetime(2026, 12, 8, tzinfo=CHINA).astimezone(dt.UTC)
    # 20 working days are four calendar weeks
    monday = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    assert pricelistings.working_period_end(monday, 20) == dt.datetime(2027, 1, 2, tzinfo=CHINA).astimezone(dt.UTC)


def test_one_intending_buyer_makes_the_deal_at_the_listed_price(market, login, client, app):
    seller = login(market["seller_user"])
    assert 'value="80' in seller.get(f"/trading/listings/new/{market['result'].id}").get_data(as_text=True)
    listing = _listed(market, login)
    assert listing.price_fen == 200_000_000 and listing.working_days == 20 and listing.exclusive
    board = client.get("/trading/listings/").get_data(as_text=True)
    assert market["result"].title in board and "200.00 万元" in board
    url = f"/trading/listings/{listing.id}"
    assert "/login" in client.get(url).get_data(as_text=True)
    buyer = login(market["buyers"][0])
    assert 'id="register-interest"' in buyer.get(url).get_data(as_text=True)
    page = buyer.post(f"{url}/interest", follow_redirects=True).get_data(as_text=True)
    assert "已登记为意向受让方" in page
    assert "贵单位已登记。" in buyer.post(f"{url}/interest", follow_redirects=True).get_data(as_text=True)
    interest = db.session.scalar(sa.select(ListingInterest))
    assert interest.organisation_id == market["buyers"][0].organisation.id
    assert 'id="interest-count">1<' in client.get(url).get_data(as_text=True)
    assert "意向公司1" not in client.get(url).get_data(as_text=True)  # who registered: seller and operators only
    assert "意向公司1" in seller.get(url).get_data(as_text=True)
    page = seller.post(f"{url}/contract", follow_redirects=True).get_data(as_text=True)
    assert pricelistings.last_day(listing).isoformat() in page and db.session.scalar(sa.select(Contract)) is None
    _close_period(listing)
    assert "已结束" in buyer.post(f"{url}/interest", follow_redirects=True).get_data(as_text=True)
    assert pricelistings.phase(listing) == "sold" and listing.outcome is None  # computed on read
    assert 'id="listing-draft-contract"' in seller.get(url).get_data(as_text=True)
    response = seller.post(f"{url}/contract")
    contract = db.session.scalar(sa.select(Contract))
    assert response.headers["Location"].endswith(f"/contracts/{contract.id}")
    assert contract.status is ContractStatus.DRAFT and contract.subtype_code == "LIC-01"
    assert contract.payment_mode == "entry_fee_royalty" and contract.total_fen == 200_000_000
    assert contract.buyer_org_id == market["buyers"][0].organisation.id
    assert contract.seller_org_id == market["seller"].id
    assert "挂牌交易" in contract.name and contract.items[0].description == "许可使用费"
    db.session.refresh(listing)
    assert listing.outcome is ListingOutcome.SOLD and listing.status is NoticeStatus.CONTRACTED
    contract_page = seller.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert 'id="linked-price_listing"' in contract_page and url in contract_page
    assert 'id="listing-contract"' in seller.get(url).get_data(as_text=True)
    assert [e.action for e in pricelistings.trail(listing)] == ["listed", "interest", "closed", "contracted"]
    assert market["result"].title in client.get("/trading/listings/?show=past").get_data(as_text=True)


def test_no_buyer_lets_the_seller_relist_at_the_same_or_a_lower_price(market, login, app):
    listing = _listed(market, login)
    _close_period(listing)
    seller = login(market["seller_user"])
    url = f"/trading/listings/{listing.id}"
    assert 'id="relist-form"' in seller.get(url).get_data(as_text=True)
    page = seller.post(f"{url}/relist", data={"price_wan": "250", "working_days": "10"},
                       follow_redirects=True).get_data(as_text=True)
    assert "不高于" in page or "降低" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceListing)) == 1
    response = seller.post(f"{url}/relist", data={"price_wan": "150", "working_days": "10"})
    new = db.session.scalar(sa.select(PriceListing).order_by(PriceListing.id.desc()))
    assert response.headers["Location"].endswith(f"/trading/listings/{new.id}")
    assert new.previous_id == listing.id and new.price_fen == 150_000_000 and new.working_days == 10
    db.session.refresh(listing)
    assert listing.outcome is ListingOutcome.UNSOLD and listing.status is NoticeStatus.WITHDRAWN
    assert f"/trading/listings/{new.id}" in seller.get(url).get_data(as_text=True)
    assert f"/trading/listings/{listing.id}" in seller.get(f"/trading/listings/{new.id}").get_data(as_text=True)
    assert seller.post(f"{url}/relist", data={"price_wan": "100", "working_days": "10"},
                       follow_redirects=True).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceListing)) == 2


def test_two_buyers_make_it_contested_and_the_cli_records_the_close(market, login, app):
    listing = _listed(market, login)
    for buyer in market["buyers"]:
        login(buyer).post(f"/trading/listings/{listing.id}/interest")
    _close_period(listing)
    assert pricelistings.phase(listing) == "contested"
    result = app.test_cli_runner().invoke(args=["trading", "close"])
    assert result.exit_code == 0 and "closed listings: 1, closed auctions: 0" in result.output
    db.session.refresh(listing)
    assert listing.outcome is ListingOutcome.CONTESTED
    again = app.test_cli_runner().invoke(args=["trading", "close"]).output
    assert "closed listings: 0, closed auctions: 0" in again  # idempotent
    seller = login(market["seller_user"])
    page = seller.get(f"/trading/listings/{listing.id}").get_data(as_text=True)
    assert "拍卖" in page and 'id="listing-draft-contract"' not in page
    page = seller.post(f"/trading/listings/{listing.id}/contract", follow_redirects=True).get_data(as_text=True)
    assert "恰好一个" in page and db.session.scalar(sa.select(Contract)) is None
    seller.post(f"/trading/listings/{listing.id}/withdraw")
    db.session.refresh(listing)
    assert listing.status is NoticeStatus.WITHDRAWN


def test_registration_rules(market, login):
    listing = _listed(market, login)
    url = f"/trading/listings/{listing.id}/interest"
    assert "卖方" in login(market["seller_user"]).post(url, follow_redirects=True).get_data(as_text=True)
    pending = make_user(make_org(OrgKind.ENTERPRISE, verified=False))
    db.session.commit()
    assert "已认证" in login(pending).post(url, follow_redirects=True).get_data(as_text=True)
    buyer = login(market["buyers"][0])
    buyer.post(url)
    assert "已登记" in buyer.post(url, follow_redirects=True).get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingInterest)) == 1
    buyer.post(url, data={"withdraw": "1"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingInterest)) == 0
    assert "尚未登记" in buyer.post(url, data={"withdraw": "1"}, follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("price_wan", "1e309", "99,999,999.99"),
    ("price_wan", "x", "万元"),
    ("price_wan", "0", "高于零"),
    ("working_days", "61", "60"),
    ("working_days", "1e3", None),
    ("payment_mode", "barter", None),
    ("subtype_code", "SRV-01", None),
    ("contact", "李", None),
])
def test_bad_listing_input_is_refused(market, login, field, value, message):
    response = _list(login(market["seller_user"]), market, **{field: value})
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PriceListing)) == 0


def test_service_refusals(market, login):
    data = pricelistings.ListingData(price_fen=10**14, subtype_code="TRF-01", exclusive=False,
                                     payment_mode="lump_sum", working_days=20, contact="李老师 010-66668888")
    import dataclasses

    for bad in ({}, {"price_fen": 100, "subtype_code": "X"}, {"price_fen": 100, "payment_mode": "X"},
                {"price_fen": 100, "working_days": 2}, {"price_fen": 100, "contact": ""},
                {"price_fen": 100, "conditions": "长" * 2001}):
        with pytest.raises(pricelistings.TradingError):
            pricelistings.post(market["seller_user"], market["result"], dataclasses.replace(data, **bad))
    with pytest.raises(pricelistings.NotAllowed):
        pricelistings.post(market["buyers"][0], market["result"], dataclasses.replace(data, price_fen=100))
    listing = pricelistings.post(market["seller_user"], market["result"], dataclasses.replace(data, price_fen=100))
    with pytest.raises(pricelistings.TradingError):  # one running listing per result
        pricelistings.post(market["seller_user"], market["result"], dataclasses.replace(data, price_fen=100))
    with pytest.raises(pricelistings.TradingError):  # nothing to relist while it runs
        pricelistings.relist(market["seller_user"], listing, 100, 10)
    with pytest.raises(pricelistings.NotAllowed):
        pricelistings.register_interest(None, listing)
    assert pricelistings.close(listing) is None  # still open: nothing to record
    pricelistings.withdraw(market["seller_user"], listing)
    with pytest.raises(pricelistings.TradingError):
        pricelistings.withdraw(market["seller_user"], listing)
    with pytest.raises(pricelistings.TradingError):
        pricelistings.draft_contract(market["seller_user"], listing)
    draft = make_achievement(market["seller"], status=ListingStatus.DRAFT)
    with pytest.raises(pricelistings.TradingError):
        pricelistings.post(market["seller_user"], draft, dataclasses.replace(data, price_fen=100))
    unverified = make_org(OrgKind.UNIVERSITY, verified=False)
    with pytest.raises(pricelistings.TradingError):
        pricelistings.post(make_user(unverified), make_achievement(unverified),
                           dataclasses.replace(data, price_fen=100))


def test_a_sold_listing_cannot_be_withdrawn(market, login):
    listing = _listed(market, login)
    login(market["buyers"][0]).post(f"/trading/listings/{listing.id}/interest")
    _close_period(listing)
    page = login(market["seller_user"]).post(f"/trading/listings/{listing.id}/withdraw",
                                             follow_redirects=True).get_data(as_text=True)
    assert "不能再撤回" in page


def test_permission_matrix_of_listing_actions(market, login, client):
    listing = _listed(market, login)
    operator, colleague = make_operator(), make_user(market["seller"])
    db.session.commit()  # refused actions roll back: the users made here must survive them
    clients = {"anonymous": client, "buyer": login(market["buyers"][0]), "operator": login(operator),
               "seller": login(market["seller_user"]), "colleague": login(colleague)}
    base = f"/trading/listings/{listing.id}"
    expected = {
        "/withdraw": {"anonymous": 302, "buyer": 403, "operator": 403},
        "/contract": {"anonymous": 302, "buyer": 403, "operator": 403},
        "/relist": {"anonymous": 302, "buyer": 403, "operator": 403},
    }
    for suffix, statuses in expected.items():
        for role, status in statuses.items():
            data = {"price_wan": "100", "working_days": "10"} if suffix == "/relist" else {}
            response = clients[role].post(base + suffix, data=data)
            assert response.status_code == status, (suffix, role)
    assert clients["anonymous"].post(f"{base}/interest").status_code == 302
    assert clients["buyer"].get(f"/trading/listings/new/{market['result'].id}").status_code == 403
    assert clients["operator"].post(f"/trading/listings/new/{market['result'].id}", data=_form()).status_code == 403
    for role in clients:
        assert clients[role].get(base).status_code == 200
        assert clients[role].get("/trading/listings/").status_code == 200
    assert client.get("/trading/listings/999999").status_code == 404
    db.session.refresh(listing)
    assert listing.status is NoticeStatus.ACTIVE
    # the seller's colleague with the publishing role acts for the seller
    assert clients["colleague"].post(f"{base}/withdraw").status_code == 302
    db.session.refresh(listing)
    assert listing.status is NoticeStatus.WITHDRAWN


def test_the_result_page_offers_both_routes_to_its_owner(market, login, client):
    page = login(market["seller_user"]).get(f"/results/{market['result'].id}").get_data(as_text=True)
    result_id = market["result"].id
    assert f"/trading/listings/new/{result_id}" in page and f"/trading/notices/new/{result_id}" in page
    assert 'id="notice-panel"' not in client.get(f"/results/{market['result'].id}").get_data(as_text=True)
    listing = _listed(market, login)
    page = client.get(f"/results/{market['result'].id}").get_data(as_text=True)
    assert f"/trading/listings/{listing.id}" in page


def test_csrf_is_required_on_listing_posts(market, app, login):
    listing = _listed(market, login)
    client = login(market["seller_user"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        statuses = [client.post(path, data=data).status_code for path, data in (
            (f"/trading/listings/new/{market['result'].id}", _form()),
            (f"/trading/listings/{listing.id}/interest", {}),
            (f"/trading/listings/{listing.id}/withdraw", {}),
            (f"/trading/listings/{listing.id}/relist", {"price_wan": "1", "working_days": "10"}),
            (f"/trading/listings/{listing.id}/contract", {}),
        )]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert statuses == [400] * 5
    assert listing.status is NoticeStatus.ACTIVE


def test_a_concurrent_second_registration_of_the_same_organisation_is_refused_cleanly(market, login):
    """Two colleagues click at once: the second insert meets the unique constraint and is told so."""
    listing = _listed(market, login)
    org = market["buyers"][0].organisation
    colleague = make_user(org)
    assert listing.interests == []  # this request read the listing before the other one committed
    db.session.execute(sa.insert(ListingInterest).values(listing_id=listing.id, organisation_id=org.id,
                                                         user_id=market["buyers"][0].id, registered_at=utcnow()))
    with pytest.raises(pricelistings.TradingError):
        pricelistings.register_interest(colleague, listing)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingInterest)) == 1


def test_of_two_simultaneous_contract_drafts_exactly_one_goes_on(market, login):
    listing = _listed(market, login)
    pricelistings.register_interest(market["buyers"][0], listing)
    _close_period(listing)
    # the other request has already claimed it in the database; this one still holds the active row
    db.session.execute(sa.update(PriceListing).where(PriceListing.id == listing.id).values(status="contracted"),
                       execution_options={"synchronize_session": False})
    with pytest.raises(pricelistings.TradingError):
        pricelistings.draft_contract(market["seller_user"], listing)
    db.session.rollback()
    assert db.session.scalar(sa.select(Contract)) is None
