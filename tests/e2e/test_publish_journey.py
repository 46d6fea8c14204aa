"""Register an enterprise → operator verifies it → it publishes a demand → operator approves → public list."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tt_platform import taxonomy
from tt_platform.accounts import services
from tt_platform.accounts.models import OrgKind
from tt_platform.database import db

pytestmark = pytest.mark.e2e

OPERATOR_EMAIL, OPERATOR_PASSWORD = "operator@e2e.example.cn", "operator-password-1"


@pytest.fixture
def operator(live_app):
    with live_app.app_context():
        services.create_operator(
            services.OrganisationData(name="市科技局", kind=OrgKind.OPERATOR, credit_code=taxonomy.make_uscc(4242),
                                      region_code="330100", party_type="G", contact_name="运营",
                                      contact_phone="0571-1", contact_email="ops@e2e.example.cn"),
            services.PersonData(name="审核员", email=OPERATOR_EMAIL, password=OPERATOR_PASSWORD),
        )
        # a published research result for the new demand to match
        from tests.factories import make_achievement, make_org
        from tt_platform.indexing import sync

        make_achievement(make_org(OrgKind.UNIVERSITY), title="海洋工程钢结构石墨烯重防腐涂层",
                         keywords="防腐涂层,海洋工程,浪溅区", field_code="T05")
        db.session.commit()
        sync.rebuild()
        db.session.commit()


def test_enterprise_demand_reaches_the_public_list(browser, live_server, operator, artifacts):
    base = live_server
    csp_errors = []
    enterprise = browser.new_context(locale="zh-CN").new_page()
    enterprise.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    # 1. an enterprise registers
    enterprise.goto(f"{base}/register")
    enterprise.select_option("#kind", "enterprise")
    enterprise.fill("#org_name", "宁波海工新材料有限公司")
    enterprise.fill("#credit_code", taxonomy.make_uscc(90210, "330200"))
    enterprise.select_option("#region_code", "330200")
    enterprise.select_option("#party_type", "E1")
    enterprise.fill("#contact_name", "陈经理")
    enterprise.fill("#contact_phone", "0574-87000000")
    enterprise.fill("#contact_email", "chen@haigong.example")
    enterprise.fill("#name", "陈经理")
    enterprise.fill("#email", "chen@haigong.example")
    enterprise.fill("#password", "haigong-password-1")
    enterprise.fill("#confirm", "haigong-password-1")
    enterprise.check("#accept_terms")
    enterprise.click("form button[type=submit]")
    enterprise.wait_for_url(f"{base}/dashboard")
    assert "待认证" in enterprise.content()

    # 2. the operator verifies it
    ops = browser.new_context(locale="zh-CN").new_page()
    log_in(ops, base, OPERATOR_EMAIL, OPERATOR_PASSWORD)
    ops.goto(f"{base}/review/organisations")
    row = ops.locator("tr", has_text="宁波海工新材料有限公司")
    row.locator("button[value=verify]").click()
    expect(ops.locator(".alert-success")).to_contain_text("已认证")  # waits for the page after the POST

    # 3. the enterprise publishes a demand and submits it for review
    enterprise.goto(f"{base}/demands/new")
    enterprise.fill("#title", "海洋平台钢结构防腐涂层寿命提升")
    enterprise.fill("#summary", "寻求海洋环境下钢结构长效防腐涂层技术。")
    enterprise.fill("#problem", "现有涂层在浪溅区 3 年即出现起泡剥落，维护成本高。")
    enterprise.select_option("#field_code", "T05")
    enterprise.fill("#keywords", "防腐涂层，海洋工程，浪溅区")
    enterprise.fill("#budget_min", "80")
    enterprise.fill("#budget_max", "150")
    enterprise.check("input[name=cooperation_modes][value=joint_dev]")
    enterprise.fill("#valid_until", (dt.date.today() + dt.timedelta(days=200)).isoformat())
    enterprise.click("button[value=submit]")
    enterprise.wait_for_url(re.compile(re.escape(base) + r"/demands/\d+$"))  # /demands/new matches /demands/*
    assert "待审核" in enterprise.content()

    # 4. the operator approves it
    ops.goto(f"{base}/review/")
    ops.locator("tr", has_text="海洋平台钢结构防腐涂层寿命提升").locator("button[value=approve]").click()
    expect(ops.locator(".alert-success")).to_contain_text("已发布")

    # 5. the public sees it in the list
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{base}/demands/")
    assert "海洋平台钢结构防腐涂层寿命提升" in public.content()
    public.screenshot(path=str(artifacts / "journey-public-demand-list.png"), full_page=True)

    # 6. its page offers explained matches (the index was fed by the outbox right after approval)
    public.click("text=海洋平台钢结构防腐涂层寿命提升")
    public.click("text=查找匹配的科技成果")
    expect(public.locator("main")).to_contain_text("可满足该需求的科技成果")
    html = public.content()
    assert "共同技术术语" in html and 'href="/results/1"' in html  # the seeded result, with its reasons
    public.screenshot(path=str(artifacts / "journey-matches.png"), full_page=True)
    assert csp_errors == []
