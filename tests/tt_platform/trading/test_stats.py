"""Statistics by pricing route: registered contracts that came through a notice or a listing, the premium
of the registered amount over the notice's or first listing's price and the days to registration."""
from __future__ import annotations

import datetime as dt

from tests.factories import contract_data, make_operator, make_org, make_user
from tests.tt_platform.trading.helpers import confidential_result
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts import services as contracts
from tt_platform.database import utcnow
from tt_platform.stats import services as stats
from tt_platform.stats.services import StatsFilter
from tt_platform.trading import notices, pricelistings


def _register(contract, day: dt.date):
    contract.status = contracts.ContractStatus.REGISTERED
    contract.registered_on = day
    contract.registration_number = f"2026330100{contract.id:06d}"


def test_deals_by_route_premium_and_days(login, db):
    result, holder, _part = confidential_result()
    buyer = make_org(OrgKind.ENTERPRISE)
    buyer_user = make_user(buyer)
    notice = notices.post(holder, result, notices.NoticeData(
        buyer_credit_code=buyer.credit_code, price_fen=10_000_000, subtype_code="TRF-01", notice_days=15,
        contact="王老师 0571-88880000"))
    notice.starts_at, notice.ends_at = utcnow() - dt.timedelta(days=30), utcnow() - dt.timedelta(days=10)
    agreed = notices.draft_contract(holder, notice)
    agreed.items[0].amount_fen = 11_000_000  # the parties settled 10% above the noticed price
    agreed.total_fen = agreed.tech_fen = 11_000_000
    first = pricelistings.post(holder, result, pricelistings.ListingData(
        price_fen=20_000_000, subtype_code="LIC-01", exclusive=True, payment_mode="lump_sum", working_days=5,
        contact="李老师 010-66668888"))
    first.starts_at, first.ends_at = utcnow() - dt.timedelta(days=60), utcnow() - dt.timedelta(days=50)
    second = pricelistings.relist(holder, first, 15_000_000, 5)
    pricelistings.register_interest(buyer_user, second)
    second.ends_at = utcnow() - dt.timedelta(minutes=1)
    listed = pricelistings.draft_contract(holder, second)
    other = contracts.create(holder, contract_data(holder.organisation, buyer))
    today = utcnow().date()
    for contract in (agreed, listed, other):
        _register(contract, today)
    db.session.commit()

    table = stats.TABLES["by_route"](StatsFilter())
    got = {r.key: (r.count, r.total_fen) for r in table.rows}
    assert got == {"agreement": (1, 11_000_000), "listing": (1, 15_000_000), "other": (1, other.total_fen)}
    measures = {m.key: m for m in stats.route_measures(StatsFilter())}
    assert measures["agreement"].deals == 1 and round(measures["agreement"].premium_pct, 6) == 10.0
    # the listing's premium counts from the first listed price (20 万元 → 15 万元: −25%)
    assert round(measures["listing"].premium_pct, 6) == -25.0
    assert 59 <= measures["listing"].days_to_registration <= 61
    assert 29 <= measures["agreement"].days_to_registration <= 31
    assert stats.route_measures(StatsFilter(start=today + dt.timedelta(days=1)))[0].premium_pct is None

    operator = login(make_operator())
    page = operator.get("/stats/").get_data(as_text=True)
    assert 'id="route-measures"' in page and "10.0%" in page and "协议定价" in page
    csv = operator.get("/stats/export/by_route.csv").get_data(as_text=True)
    assert "挂牌交易" in csv and "其他交易" in csv


def test_auctions_are_a_route_with_the_premium_over_the_start_price(login, db):
    from tests.factories import make_achievement
    from tt_platform.trading import auctions

    holder = make_user(make_org(OrgKind.UNIVERSITY), admin=True)
    operator_user = make_operator()
    bidders = [make_user(make_org(OrgKind.ENTERPRISE)) for _ in range(2)]
    now = utcnow()
    auction = auctions.create(holder, make_achievement(holder.organisation), auctions.AuctionData(
        start_price_fen=40_000_000, increment_fen=1_000_000, reserve_fen=None, reserve_shown=False, deposit_fen=0,
        subtype_code="TRF-01", payment_mode="lump_sum", starts_at=now, ends_at=now + dt.timedelta(hours=1),
        extension_minutes=5, contact="王老师 0571-88880000"))
    for bidder in bidders:
        registration = auctions.register(bidder, auction)
        auctions.confirm_deposit(operator_user, auction, registration.id, "BANK")
    auctions.place_bid(bidders[0], auction, 40_000_000)
    auctions.place_bid(bidders[1], auction, 50_000_000)
    auction.created_at = now - dt.timedelta(days=20)  # announced twenty days before the registration
    auction.starts_at, auction.ends_at = now - dt.timedelta(hours=1), now - dt.timedelta(seconds=1)
    auctions.close(auction)
    contract = db.session.get(contracts.Contract, auction.contract_id)
    _register(contract, utcnow().date())
    db.session.commit()

    got = {r.key: (r.count, r.total_fen) for r in stats.TABLES["by_route"](StatsFilter()).rows}
    assert got == {"auction": (1, 50_000_000)}
    measure = {m.key: m for m in stats.route_measures(StatsFilter())}["auction"]
    assert measure.deals == 1 and round(measure.premium_pct, 6) == 25.0  # 40 → 50 万元
    assert 19 <= measure.days_to_registration <= 21
    operator = login(operator_user)
    assert "拍卖/竞价" in operator.get("/stats/").get_data(as_text=True)
    assert "拍卖/竞价" in operator.get("/stats/export/by_route.csv").get_data(as_text=True)
    csv = operator.get("/stats/export/route_measures.csv").get_data(as_text=True)
    assert "起拍价的溢价" in csv and "拍卖/竞价,1,25.0," in csv  # the premium of 40 → 50 万元
    xlsx = operator.get("/stats/export/route_measures.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert login(holder).get("/stats/export/route_measures.csv").status_code == 403
    assert "/stats/export/route_measures.csv" in operator.get("/stats/").get_data(as_text=True)
