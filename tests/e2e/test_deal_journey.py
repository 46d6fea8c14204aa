"""Broker opens a case from a match → records the contract → the seller submits it → the registrar
registers it → the statistics dashboard's totals change (headless Chromium, CSP on)."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import make_achievement, make_broker, make_demand, make_org, make_registrar, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.database import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_app):
    with live_app.app_context():
        from tt_platform.indexing import sync

        registrar = make_registrar("330100")
        registrar.email = "registrar@deal.example.cn"
        broker = make_broker()
        broker.email = "broker@deal.example.cn"
        university = make_org(OrgKind.UNIVERSITY, name="浙江示范理工大学", region_code="330106")
        make_user(university, email="seller@deal.example.cn", name="李教授")
        enterprise = make_org(name="宁波示范储能科技有限公司", region_code="330200")
        result = make_achievement(university, title="储能锂电池热失控早期预警技术", keywords="锂电池,热失控,预警",
                                  field_code="T06")
        demand = make_demand(enterprise, title="储能电站电池热失控预警", keywords="热失控,预警,储能电站",
                             field_code="T06", problem="储能电站锂电池热失控事故频发，需要早期预警手段")
        db.session.commit()
        sync.rebuild()
        db.session.commit()
        return {"demand": demand.id, "result": result.id}


def watch_csp(page, errors):
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))


def test_case_to_registered_contract_to_dashboard(browser, live_server, people, artifacts):
    base, errors = live_server, []
    registrar = browser.new_context(locale="zh-CN").new_page()
    watch_csp(registrar, errors)
    log_in(registrar, base, "registrar@deal.example.cn")
    registrar.goto(f"{base}/stats/")
    assert registrar.inner_text("#total-count") == "0"

    # 1. the broker opens a case from the demand's matches
    broker = browser.new_context(locale="zh-CN").new_page()
    watch_csp(broker, errors)
    log_in(broker, base, "broker@deal.example.cn")
    broker.goto(f"{base}/matches/demand/{people['demand']}")
    broker.locator(".match-card", has_text="储能锂电池热失控早期预警技术").locator("text=建立对接").click()
    broker.click("button:has-text('建立对接项目')")
    broker.wait_for_url(f"{base}/cases/*")
    assert "储能电站电池热失控预警" in broker.content() and "意向" in broker.inner_text("#case-stage")

    # 2. … and records the contract: seller and buyer come from the case's listings
    broker.click("text=录入合同")
    broker.wait_for_url(f"{base}/contracts/new*")
    broker.select_option("#subtype_code", "DEV-01")
    broker.select_option("#payment_mode", "instalments")
    broker.fill("#signed_on", "2026-10-08")
    broker.fill("#items-0-description", "研究开发经费及报酬")
    broker.fill("#items-0-amount_yuan", "500000")
    broker.fill("#items-1-description", "样机材料")
    broker.fill("#items-1-amount_yuan", "20000.50")
    broker.uncheck("#items-1-is_technical")
    broker.click("main form button[type=submit]")
    broker.wait_for_url(f"{base}/contracts/*")
    assert broker.inner_text("#total-amount") == "52.00 万元" and broker.inner_text("#tech-amount") == "50.00 万元"
    contract_url = broker.url

    # 3. the seller submits it for registration
    seller = browser.new_context(locale="zh-CN").new_page()
    watch_csp(seller, errors)
    log_in(seller, base, "seller@deal.example.cn")
    seller.goto(contract_url)
    seller.click("text=提交认定登记")
    expect(seller.locator("#contract-status")).to_contain_text("待认定登记")  # the old page has the element too

    # 4. the registrar registers it from the desk
    registrar.goto(f"{base}/contracts/registry")
    registrar.click("text=储能电站电池热失控预警")  # the contract is named after the case
    registrar.click("button[value=register]")
    number = registrar.inner_text("#registration-number")
    assert len(number) == 16 and number[4:10] == "330100"
    registrar.click("text=登记证明")
    registrar.wait_for_url(f"{base}/contracts/*/certificate")
    assert number in registrar.content() and "520,000.50 元" in registrar.content()
    registrar.screenshot(path=str(artifacts / "deal-certificate.png"), full_page=True)

    # 5. the dashboard counts it, charts drawn under the CSP
    registrar.goto(f"{base}/stats/")
    assert registrar.inner_text("#total-count") == "1"
    assert registrar.inner_text("#total-tech") == "50.00 万元"
    registrar.wait_for_selector("[data-chart-ready]")
    registrar.screenshot(path=str(artifacts / "deal-dashboard.png"), full_page=True)
    assert errors == []
