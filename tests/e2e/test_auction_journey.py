"""Two bidders watch the same auction page in two browser contexts: one bids and the other's page shows it
without a reload; the other bids in the last minutes and both pages show the end moved; past the end the
pages close the auction on their own, the winner's contract is drafted, submitted and registered, and the
evidence file prints (headless Chromium, CSP on)."""
import datetime as dt
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import make_achievement, make_operator, make_org, make_registrar, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.database import CHINA, db, utcnow
from tt_platform.trading import auctions
from tt_platform.trading.models import Auction, Bid

pytestmark = pytest.mark.e2e

WINDOW = 10  # minutes: a bid in the last ten minutes moves the end ten minutes later


@pytest.fixture
def auction_id(live_app):
    with live_app.app_context():
        registrar = make_registrar("330100")
        registrar.email = "registrar@auction.e2e.example.cn"
        seller_org = make_org(OrgKind.UNIVERSITY, name="示范海洋大学")
        seller = make_user(seller_org, email="seller@auction.e2e.example.cn", admin=True)
        result = make_achievement(seller_org, title="深海耐压锂电池模组封装技术", field_code="T06")
        operator = make_operator()
        now = utcnow()
        auction = auctions.create(seller, result, auctions.AuctionData(
            start_price_fen=100_000_000, increment_fen=5_000_000, reserve_fen=110_000_000, reserve_shown=False,
            deposit_fen=10_000_000, subtype_code="TRF-01", payment_mode="lump_sum",
            starts_at=now - dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=1),
            extension_minutes=WINDOW, contact="成果转化处 王老师 0532-66668888"))
        for n, name in ((1, "青岛示范新能源有限公司"), (2, "宁波示范海工装备有限公司")):
            bidder = make_user(make_org(OrgKind.ENTERPRISE, name=name), email=f"bidder{n}@auction.e2e.example.cn")
            registration = auctions.register(bidder, auction)
            auctions.confirm_deposit(operator, auction, registration.id, f"E2E-BANK-{n}")
        # bidding has run for a while: 25 seconds remain before the anti-sniping window opens
        auction.ends_at = auction.scheduled_end_at = utcnow() + dt.timedelta(minutes=WINDOW, seconds=25)
        db.session.commit()
        return auction.id


def watch(page, errors):
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))


def _beijing(moment: dt.datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def test_two_bidders_a_last_minute_bid_and_the_winners_contract(browser, live_server, live_app, auction_id,
                                                               artifacts):
    base, errors = live_server, []
    url = f"{base}/trading/auctions/{auction_id}"
    pages = []
    for n in (1, 2):
        page = browser.new_context(locale="zh-CN").new_page()
        watch(page, errors)
        log_in(page, base, f"bidder{n}@auction.e2e.example.cn")
        page.goto(url)
        expect(page.locator("#auction-countdown")).to_contain_text(":")  # the countdown runs
        pages.append(page)
    first, second = pages
    expect(first.locator("#auction-you")).to_contain_text("竞买人1")
    expect(second.locator("#auction-you")).to_contain_text("竞买人2")

    # 1. bidder 1 bids the start price; bidder 2's page shows it without a reload
    first.fill("#amount_wan", "100")
    first.click("#bid-submit")
    expect(first.locator(".alert-success")).to_contain_text("100.00 万元")
    expect(second.locator("#auction-price")).to_have_text("100.00 万元", timeout=10_000)
    expect(second.locator("#auction-history tbody tr")).to_have_count(1)
    expect(second.locator("#auction-history tbody tr").first).not_to_contain_text("我方")
    expect(first.locator("#auction-history tbody tr").first).to_contain_text("我方")
    expect(second.locator("#amount_wan")).to_have_value("105.00")  # the minimum moved with the price

    # 2. in the last minutes bidder 2 bids: the end moves WINDOW minutes later, on both pages
    with live_app.app_context():
        ends = db.session.get(Auction, auction_id).ends_at
    wait = (ends - dt.timedelta(minutes=WINDOW) - utcnow()).total_seconds() + 1
    if wait > 0:
        time.sleep(wait)
    second.fill("#amount_wan", "120")
    second.click("#bid-submit")
    expect(second.locator(".alert-success")).to_contain_text("120.00 万元")
    with live_app.app_context():
        last = db.session.query(Bid).filter_by(auction_id=auction_id).order_by(Bid.sequence.desc()).first()
        assert last.ends_after == last.ends_before + dt.timedelta(minutes=WINDOW)
        moved = last.ends_after
    expect(first.locator("#auction-ends")).to_have_text(_beijing(moved), timeout=10_000)
    expect(first.locator("#auction-price")).to_have_text("120.00 万元")
    expect(first.locator("#auction-history tbody tr").first).to_contain_text("↻")
    first.screenshot(path=str(artifacts / "auction-live.png"), full_page=True)

    # 3. the clock passes the end: the pages' next poll closes the auction and they reload on their own
    with live_app.app_context():
        auction = db.session.get(Auction, auction_id)
        auction.starts_at = utcnow() - dt.timedelta(hours=2)
        auction.ends_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    expect(second.locator("#auction-winner")).to_contain_text("宁波示范海工装备有限公司", timeout=15_000)
    expect(first.locator("#auction-phase")).to_contain_text("已起草合同", timeout=15_000)
    expect(first.locator("#auction-winner")).to_have_count(0)  # a losing bidder learns no names

    # 4. the seller finds the winner's contract drafted, submits it, and the registrar registers it
    seller = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    watch(seller, errors)
    log_in(seller, base, "seller@auction.e2e.example.cn")
    seller.goto(url)
    expect(seller.locator("#auction-registrations")).to_contain_text("青岛示范新能源有限公司")  # after the close
    seller.click("#auction-contract")
    seller.wait_for_url(f"{base}/contracts/*")
    assert seller.inner_text("#total-amount") == "120.00 万元"
    contract_url = seller.url
    seller.click("text=提交认定登记")
    expect(seller.locator("#contract-status")).to_contain_text("待认定登记")
    registrar = browser.new_context(locale="zh-CN").new_page()
    watch(registrar, errors)
    log_in(registrar, base, "registrar@auction.e2e.example.cn")
    registrar.goto(contract_url)
    registrar.click("button[value=register]")
    number = registrar.inner_text("#registration-number")
    assert len(number) == 16 and number.isdigit()

    # 5. the evidence file: every bid with its time, the close, the contract's registration number; it prints
    seller.goto(f"{url}/evidence")
    events = seller.inner_text("#evidence-events")
    assert "竞买人1 (青岛示范新能源有限公司)" in events and "竞买人2 (宁波示范海工装备有限公司)" in events
    assert "拍卖结束" in events and "120.00 万元" in events and _beijing(moved) in events
    assert number in seller.inner_text("#evidence-facts")
    seller.emulate_media(media="print")
    pdf = seller.pdf(path=str(artifacts / "auction-evidence.pdf"), format="A4")
    assert pdf.startswith(b"%PDF")
    assert errors == []
