"""A result's owner opens the result → sees the reference band and its comparables → opens a valuation
worksheet → fills the income approach → exports the PDF → uses the value as the start price of an
auction (起拍价) that it sets up, then as the asking price."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import make_achievement, make_org, make_user
from tests.tt_platform.pricing.helpers import registered
from tt_platform.accounts.models import OrgKind
from tt_platform.database import db

pytestmark = pytest.mark.e2e

OWNER_EMAIL = "owner@pricing.e2e.example.cn"


@pytest.fixture
def market(live_app):
    live_app.config["PRICING_BAND"] = "on"  # this module's own app: the band is shown whatever the backtest says
    with live_app.app_context():
        seller, buyer = make_org(OrgKind.UNIVERSITY, name="示范材料大学"), make_org(name="示范涂层公司")
        author = make_user(seller)
        for n in range(1, 7):
            registered(seller, buyer, n * 10_000_000, field="T05", on=dt.date(2026, 3, n), created_by=author)
        result = make_achievement(make_org(OrgKind.UNIVERSITY), title="海洋工程钢结构石墨烯重防腐涂层",
                                  field_code="T05")
        make_user(result.organisation, email=OWNER_EMAIL)
        db.session.commit()
        return result.id


def test_owner_prices_a_result_and_uses_the_value(browser, live_server, market, artifacts):
    base, result_id = live_server, market
    csp_errors = []
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, base, OWNER_EMAIL)

    # 1. the result page shows the band (six transfers of 10…60 万元: median 35 万元)
    page.goto(f"{base}/results/{result_id}")
    expect(page.locator("#price-reference")).to_contain_text("35.00 万元")
    page.click("#price-reference a")
    page.wait_for_url(f"{base}/pricing/results/{result_id}")
    expect(page.locator("#comparables tbody tr")).to_have_count(6)
    expect(page.locator("#band-step")).to_be_visible()
    page.screenshot(path=str(artifacts / "pricing-band.png"), full_page=True)

    # 2. a worksheet with the income approach: 3 years of 100 万元, share 5 %, discount rate 10 %
    page.click("#new-worksheet")
    expect(page.locator("#market_base_wan")).to_have_value("35.00")
    page.fill("#revenues", "100, 100, 100")
    page.fill("#share_pct", "5")
    page.fill("#rate_pct", "10")
    page.select_option("#chosen_method", "income")
    page.fill("#reason", "收益可预期")
    page.click("#worksheet-form button[type=submit]")
    page.wait_for_url(f"{base}/pricing/worksheets/*")
    worksheet_url = page.url
    expect(page.locator("#chosen-value")).to_have_text("12.43 万元")
    expect(page.locator("#disclaimer")).to_be_visible()
    page.screenshot(path=str(artifacts / "pricing-worksheet.png"), full_page=True)

    # 3. the PDF
    with page.expect_download() as download:
        page.click("#export-pdf")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(4) == b"%PDF"

    # 4. the value as an auction's start price (起拍价): the form comes pre-filled, the owner sets the rest
    page.click("#use-in-auction")
    page.wait_for_url(f"{base}/trading/auctions/new/{result_id}*")
    expect(page.locator("#start_price_wan")).to_have_value("12.43")
    page.fill("#increment_wan", "0.5")
    page.fill("#deposit_wan", "1")
    page.fill("#contact", "技术转移中心 王老师 0571-88880000")
    page.select_option("#subtype_code", index=1)
    page.select_option("#payment_mode", index=1)
    page.click("#auction-submit")
    page.wait_for_url(re.compile(r"/trading/auctions/\d+$"))
    expect(page.locator("body")).to_contain_text("12.43 万元")
    page.screenshot(path=str(artifacts / "pricing-auction.png"), full_page=True)

    # 5. and as the asking price, saved by the owner on the edit page (the result goes back to review)
    page.goto(worksheet_url)
    page.click("#use-as-price")
    expect(page.locator("#asking_price")).to_have_value("12.43")
    page.click("button[name=action][value=save]")
    page.wait_for_url(f"{base}/results/{result_id}")
    expect(page.locator("body")).to_contain_text("12.43 万元")

    assert csp_errors == []
