"""揭榜挂帅 end to end, each person in their own browser context: the issuer publishes, an operator
approves, two organisations apply, an operator checks them and builds a panel, three experts (one from an
applicant's organisation) declare and score, the issuer selects, the notice period passes (the clock is
moved by changing the stored dates), the task book's milestones are reported and accepted, final
acceptance drafts the contract, the seller submits it and the registrar registers it."""
import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import make_org, make_registrar, make_user
from tests.tt_platform.challenges.helpers import make_expert
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges.models import Application, Challenge, Milestone
from tt_platform.contracts.models import Contract
from tt_platform.database import CHINA, db

pytestmark = pytest.mark.e2e

EMAILS = {"issuer": "issuer@challenge.e2e.cn", "operator": "operator@challenge.e2e.cn",
          "team_a": "team-a@challenge.e2e.cn", "team_b": "team-b@challenge.e2e.cn",
          "expert1": "expert1@challenge.e2e.cn", "expert2": "expert2@challenge.e2e.cn",
          "conflicted": "expert3@challenge.e2e.cn", "registrar": "registrar@challenge.e2e.cn"}


@pytest.fixture
def people(live_app):
    with live_app.app_context():
        # a platform operator elsewhere: the registration office of the seller's region is the registrar's
        make_user(make_org(OrgKind.OPERATOR, region_code="110108"), email=EMAILS["operator"], admin=True)
        registrar = make_registrar("330100")
        registrar.email = EMAILS["registrar"]
        make_user(make_org(name="示范储能科技有限公司"), email=EMAILS["issuer"], admin=True)
        uni = make_org(OrgKind.UNIVERSITY, name="示范能源大学")
        make_user(uni, email=EMAILS["team_a"], admin=True, name="甲团队负责人")
        make_user(make_org(OrgKind.INSTITUTE, name="示范电化学研究所"), email=EMAILS["team_b"], admin=True)
        make_expert(email=EMAILS["expert1"], name="专家一")
        make_expert(email=EMAILS["expert2"], name="专家二")
        make_expert(uni, email=EMAILS["conflicted"], name="专家三")
        db.session.commit()


def move_clock(live_app, challenge_id: int, **dates) -> None:
    with live_app.app_context():
        challenge = db.session.get(Challenge, challenge_id)
        for name, value in dates.items():
            setattr(challenge, name, value)
        db.session.commit()


def ids(live_app, statement) -> list[int]:
    with live_app.app_context():
        return list(db.session.scalars(statement))


def test_a_challenge_from_publishing_to_a_registered_contract(browser, live_server, live_app, people, artifacts):
    base = live_server
    pages = {}
    for who, email in EMAILS.items():
        pages[who] = browser.new_context(locale="zh-CN").new_page()
        log_in(pages[who], base, email)
    today = dt.datetime.now(CHINA).date()

    # 1. the issuer publishes
    page = pages["issuer"]
    page.goto(f"{base}/challenges/new")
    page.fill("#title", "钠离子电池正极材料循环寿命攻关")
    page.fill("#goal", "研制循环寿命 3000 次以上的层状氧化物正极材料，满足储能电站要求。")
    page.select_option("#field_code", "T06")
    page.fill("#bounty_wan", "100")
    page.fill("#opens_on", today.isoformat())
    page.fill("#opens_time", "00:00")
    page.fill("#closes_on", (today + dt.timedelta(days=20)).isoformat())
    page.check("input[name=eligible_kinds][value=university]")
    page.check("input[name=eligible_kinds][value=institute]")
    indicators = [("循环寿命", "≥ 3000 次", "第三方检测"), ("比容量", "≥ 140 mAh/g", "样品测试")]
    for i, (name, target, how) in enumerate(indicators):
        page.fill(f"#indicators-{i}-name", name)
        page.fill(f"#indicators-{i}-target", target)
        page.fill(f"#indicators-{i}-verification", how)
    for i, (title, share, months) in enumerate([("小试", "30", "6"), ("中试", "40", "12"), ("验收", "30", "18")]):
        page.fill(f"#milestones-{i}-title", title)
        page.fill(f"#milestones-{i}-deliverable", f"{title}报告")
        page.fill(f"#milestones-{i}-share", share)
        page.fill(f"#milestones-{i}-months", months)
    for i, (name, weight) in enumerate([("技术方案", "50"), ("团队", "30"), ("计划", "20")]):
        page.fill(f"#rubric-{i}-name", name)
        page.fill(f"#rubric-{i}-weight", weight)
        page.fill(f"#rubric-{i}-max_score", "10")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(f"{base}/challenges/*")
    challenge_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    expect(page.locator("#bounty")).to_have_text("100.00 万元")

    # 2. an operator approves it onto the 榜单
    page = pages["operator"]
    page.goto(f"{base}/challenges/review")
    page.click(".review-item button[name=decision][value=approve]")
    page.goto(f"{base}/challenges/?status=open")
    expect(page.locator(".challenge-card")).to_contain_text("钠离子电池正极材料循环寿命攻关")

    # 3. two organisations apply
    for who, budget in (("team_a", "120"), ("team_b", "90")):
        page = pages[who]
        page.goto(f"{base}/challenges/{challenge_id}")
        page.click("#apply-box button[type=submit]")
        page.wait_for_url(f"{base}/challenges/applications/*/edit")
        page.fill("#plan", "采用铜铁锰基层状氧化物体系，通过掺杂与包覆提升结构稳定性，分三阶段实施。")
        page.fill("#budget_wan", budget)
        page.fill("#team-0-name", "张研究员")
        page.fill("#team-0-role", "项目负责人")
        for i in range(3):
            page.fill(f"#schedule-{i}-plan", f"第 {i + 1} 阶段按期交付")
        page.click("button[name=action][value=submit]")
        expect(page.locator("#application-status")).to_contain_text("待形式审查")
    applications = ids(live_app, sa.select(Application.id).order_by(Application.id))

    # 4. the formal check and the panel
    page = pages["operator"]
    for application_id in applications:
        page.goto(f"{base}/challenges/applications/{application_id}")
        page.click("#formal-check button[value=complete]")
        expect(page.locator("#application-status")).to_contain_text("形式审查通过")
    page.goto(f"{base}/challenges/{challenge_id}/panel")
    for _n in range(3):
        page.click("#add-member button[type=submit]")
    expect(page.locator("#panel tbody tr")).to_have_count(3)

    # 5. applications close; the experts declare and score, the conflicted one only the other application
    move_clock(live_app, challenge_id, closes_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    for who, points in (("expert1", ["9", "8", "8"]), ("expert2", ["8", "9", "7"]), ("conflicted", ["7", "7", "7"])):
        page = pages[who]
        page.goto(f"{base}/challenges/{challenge_id}/expert")
        page.click("#declaration button[type=submit]")
        links = page.locator("#to-score a")
        expect(links).to_have_count(1 if who == "conflicted" else 2)
        if who == "conflicted":
            expect(page.locator("#to-score")).to_contain_text("回避")
        for n in range(links.count()):
            page.goto(f"{base}/challenges/{challenge_id}/expert")
            page.locator("#to-score a").nth(n).click()
            for i, value in enumerate(points):
                page.fill(f"#points-{i}", value)
            page.fill("#comment", "方案扎实，指标可达。")
            page.click("#score-form button[type=submit]")
            expect(page.locator("#all-scores")).to_be_visible()

    # 6. the issuer selects the top of the ranking; the result is on notice
    page = pages["issuer"]
    page.goto(f"{base}/challenges/{challenge_id}/select")
    page.click("#ranking tbody tr:first-child input")
    page.click("#select-form button[type=submit]")
    expect(page.locator("#result")).to_contain_text("示范能源大学")
    page.screenshot(path=str(artifacts / "challenge-selected.png"), full_page=True)

    # 7. the notice period passes; the task book starts; milestones are reported and accepted
    move_clock(live_app, challenge_id, notice_ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    page.goto(f"{base}/challenges/{challenge_id}")
    page.click("text=启动任务书")
    page.wait_for_url(f"{base}/challenges/{challenge_id}/task-book")
    milestones = ids(live_app, sa.select(Milestone.id).order_by(Milestone.position))
    assert len(milestones) == 3
    for milestone_id in milestones:
        team = pages["team_a"]
        team.goto(f"{base}/challenges/{challenge_id}/task-book")
        team.fill(f"#milestone-{milestone_id} textarea[name=report]", "按任务书完成，指标达到要求。")
        team.fill(f"#milestone-{milestone_id} input[name=evidence]", "检测报告")
        team.click(f"#milestone-{milestone_id} button[type=submit]")
        page.goto(f"{base}/challenges/{challenge_id}/task-book")
        page.click(f"#milestone-{milestone_id} button[value=accept]")
        expect(page.locator(f"#milestone-{milestone_id} .milestone-status")).to_have_text("已通过")
    page.fill(f"#milestone-{milestones[0]} input[name=amount_wan]", "30")
    page.fill(f"#milestone-{milestones[0]} input[name=reference]", "回单 001")
    page.click(f"#milestone-{milestones[0]} form[action$=payments] button")
    expect(page.locator(f"#milestone-{milestones[0]} .payment")).to_contain_text("30.00 万元")

    # 8. final acceptance drafts the contract; the seller submits it, the registrar registers it
    page.click("#final-acceptance button[type=submit]")
    page.wait_for_url(f"{base}/contracts/*")
    contract_id = ids(live_app, sa.select(Contract.id))[0]
    seller = pages["team_a"]
    seller.goto(f"{base}/contracts/{contract_id}")
    seller.click("text=提交认定登记")
    registrar = pages["registrar"]
    registrar.goto(f"{base}/contracts/{contract_id}")
    registrar.click("button[name=decision][value=register]")
    with live_app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert contract.status.value == "registered" and len(contract.registration_number) == 16
        assert contract.total_fen == 100 * 1_000_000 and contract.subtype_code == "DEV-01"
    registrar.screenshot(path=str(artifacts / "challenge-contract.png"), full_page=True)
