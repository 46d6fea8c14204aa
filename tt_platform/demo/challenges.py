"""Demo 揭榜挂帅 challenges, one in each state: open for applications, pending review, under expert
review (a panel with one conflicted expert and an expert still to score), on notice after selection,
in progress with a running task book (a milestone accepted and paid, the next one reported), and one
that ended without a winner. Everything goes through the challenge services with the clock set for each
step, and is labelled demo."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tt_platform.accounts.models import Organisation, User
from tt_platform.audit.models import AuditEntry
from tt_platform.challenges import delivery, services
from tt_platform.challenges.models import (
    Application,
    Challenge,
    ExpertProfile,
    Milestone,
    Objection,
    PanelMember,
    Payment,
    Score,
)
from tt_platform.database import CHINA, db

Ind, M, C = services.Indicator, services.MilestoneTemplate, services.Criterion
RUBRIC = (C("技术方案先进性与可行性", 40, 10), C("团队能力与前期基础", 30, 10), C("实施计划与经费合理性", 30, 10))
#: (org key, title and position of the expert on the demo roster)
EXPERTS = [("west_uni", "教授", "机械与储能方向"), ("med_uni", "研究员", "生物与材料方向"),
           ("agri_inst", "正高级工程师", "装备与工艺方向"), ("east_uni", "教授", "智能制造方向")]
PLAN = ("采用“机理建模+数据驱动”的技术路线：第一阶段完成关键材料与算法验证，第二阶段在合作企业产线开展中试，"
        "第三阶段形成可复制的成套方案并通过第三方检测。")


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), CHINA).astimezone(dt.UTC)


def _publish(issuer: User, operator: User, *, title: str, goal: str, field: str, region: str, bounty_wan: int,
             opens: dt.date, closes: dt.date, indicators, milestones, mode=services.SelectionMode.MERIT,
             teams: int = 1, approve: bool = True) -> Challenge:
    data = services.ChallengeData(
        title=title, goal=goal, field_code=field, region_code=region, bounty_fen=bounty_wan * 1_000_000,
        opens_at=_at(opens), closes_at=_at(closes, 17), indicators=indicators, milestones=milestones, rubric=RUBRIC,
        selection_mode=mode, race_teams=teams)
    challenge = services.create(issuer, data)
    challenge.is_demo = True
    submitted_at = min(_at(opens) - dt.timedelta(days=3), dt.datetime.now(dt.UTC))
    services.submit_for_review(issuer, challenge, now=submitted_at)
    if approve:
        services.review(operator, challenge, "approve", None, now=submitted_at + dt.timedelta(days=1))
    return challenge


def _apply(user: User, challenge: Challenge, day: dt.date, *, budget_wan: int, submit: bool = True):
    application = services.start_application(user, challenge, now=_at(day))
    services.update_application(user, application, services.ApplicationData(
        plan=PLAN, team=(services.TeamMember(user.name, "项目负责人", "教授"),
                         services.TeamMember("演示团队成员", "技术骨干", "副研究员")),
        budget_fen=budget_wan * 1_000_000, schedule=tuple(f"按模板完成：{m['title']}" for m in challenge.milestones)),
        now=_at(day))
    if submit:
        services.submit_application(user, application, now=_at(day, 10))
    return application


def _review(operator: User, challenge: Challenge, applications, experts: list[User], scores: dict[int, list]):
    """Formal check, panel, declarations and the given scores ({expert index: [points per application]})."""
    for application in applications:
        services.formal_check(operator, application, True, None)
    after = challenge.closes_at + dt.timedelta(hours=20)
    for expert in experts:
        services.add_to_panel(operator, challenge, expert.id)
        services.declare(expert, challenge, [], None, now=after)
    for index, rows in scores.items():
        for application, points in zip(applications, rows, strict=True):
            services.submit_score(experts[index], application, points, "方案思路清晰，建议加强中试验证。",
                                  now=after + dt.timedelta(hours=2))


def load_challenges(orgs: dict[str, Organisation], users: dict[str, User], today: dt.date) -> int:
    operator = users["operator@demo.example.cn"]

    def admin(key: str) -> User:
        return orgs[key].memberships[0].user

    experts = []
    for key, title, area in EXPERTS:
        person = admin(key)
        services.save_expert_profile(operator, person.email, title, f"{orgs[key].name}（{area}）",
                                     ["T01", "T03", "T05", "T06", "T07", "T09"])
        experts.append(person)
    university, institute = users["university@demo.example.cn"], users["institute@demo.example.cn"]
    day = dt.timedelta(days=1)

    # 征集中: open for applications, one submitted, one still a draft
    open_one = _publish(
        admin("ent_energy"), operator, title="兆瓦级储能电站电池热失控早期预警技术", field="T06", region="150100",
        goal="面向百兆瓦时级储能电站，研发电池热失控早期预警与分级处置技术，实现热失控前 30 分钟以上预警。",
        bounty_wan=300, opens=today - 10 * day, closes=today + 30 * day,
        indicators=(Ind("预警提前量", "≥ 30 分钟", "第三方实测报告"), Ind("误报率", "≤ 1 次/年·站", "现场运行记录")),
        milestones=(M("算法与样机", "预警样机及测试报告", 30, 6), M("示范应用", "示范电站运行报告", 40, 12),
                    M("验收", "验收报告与成套方案", 30, 18)))
    _apply(university, open_one, today - 5 * day, budget_wan=320)
    _apply(institute, open_one, today - 2 * day, budget_wan=280, submit=False)

    # pending the operators' review
    _publish(admin("ent_pharma"), operator, title="抗体药物高表达细胞株构建平台", field="T04", region="440100",
             goal="建立高表达、稳定的 CHO 细胞株构建平台，缩短细胞株开发周期。", bounty_wan=400,
             opens=today + 7 * day, closes=today + 60 * day,
             indicators=(Ind("表达量", "≥ 5 g/L", "第三方检测"),),
             milestones=(M("平台搭建", "平台与标准操作规程", 50, 6), M("验证", "三个分子的验证报告", 50, 12)),
             approve=False)

    # 评审中: closed, a panel with one conflicted expert (same organisation) and one still to score
    reviewing = _publish(
        admin("ent_mfg"), operator, title="高精度谐波减速器寿命提升关键技术", field="T03", region="320500",
        goal="将工业机器人用谐波减速器的精度保持寿命提升至 10000 小时以上，替代进口。", bounty_wan=500,
        opens=today - 60 * day, closes=today - 5 * day,
        indicators=(Ind("精度保持寿命", "≥ 10000 h", "加速寿命试验"), Ind("传动误差", "≤ 1 arcmin", "第三方检测")),
        milestones=(M("材料与工艺", "柔轮材料与热处理工艺", 30, 6), M("样机", "样机与寿命试验报告", 40, 12),
                    M("批量验证", "小批量装机验证报告", 30, 18)))
    apps = [_apply(university, reviewing, today - 40 * day, budget_wan=520),
            _apply(institute, reviewing, today - 30 * day, budget_wan=480)]
    _review(operator, reviewing, apps, experts, {0: [[8, 9, 8], [7, 7, 8]], 1: [[9, 8, 8], [8, 7, 7]]})

    # 已揭榜 (公示中): selected two days ago
    notice = _publish(
        admin("ent_agri"), operator, title="设施农业智能水肥一体化装备", field="T09", region="370200",
        goal="研制适用于日光温室的智能水肥一体化装备，节水 30% 以上、节肥 20% 以上。", bounty_wan=120,
        opens=today - 90 * day, closes=today - 20 * day,
        indicators=(Ind("节水率", "≥ 30%", "对比试验"), Ind("节肥率", "≥ 20%", "对比试验")),
        milestones=(M("样机", "样机与试验报告", 40, 6), M("示范推广", "示范基地运行报告", 60, 12)))
    apps = [_apply(users["agri_uni@demo.example.cn"], notice, today - 60 * day, budget_wan=150),
            _apply(institute, notice, today - 50 * day, budget_wan=130)]
    _review(operator, notice, apps, experts[:3], {0: [[9, 9, 9], [7, 8, 7]], 1: [[8, 9, 9], [7, 7, 7]],
                                                  2: [[9, 8, 9], [8, 7, 8]]})
    delivery.select(admin("ent_agri"), notice, [apps[0].id], None, now=_at(today - 2 * day))

    # 实施中: a running task book, the first milestone accepted and paid, the second one reported
    running = _publish(
        users["enterprise@demo.example.cn"], operator, title="工业视觉缺陷检测大模型", field="T01", region="330100",
        goal="面向金属与玻璃表面缺陷，构建小样本工业视觉检测模型，实现产线在线检测。", bounty_wan=200,
        opens=today - 200 * day, closes=today - 120 * day,
        indicators=(Ind("漏检率", "≤ 0.1%", "产线抽检"), Ind("检测节拍", "≤ 50 ms/件", "现场测试")),
        milestones=(M("模型与样机", "检测模型及样机", 30, 3), M("产线部署", "两条产线部署报告", 40, 6),
                    M("验收", "验收报告", 30, 9)))
    apps = [_apply(university, running, today - 150 * day, budget_wan=230),
            _apply(institute, running, today - 140 * day, budget_wan=210)]
    _review(operator, running, apps, experts[:3], {0: [[9, 9, 8], [8, 7, 7]], 1: [[9, 8, 9], [7, 8, 7]],
                                                   2: [[8, 9, 9], [7, 7, 8]]})
    issuer = users["enterprise@demo.example.cn"]
    delivery.select(issuer, running, [apps[0].id], None, now=_at(today - 115 * day))
    delivery.start(issuer, running, now=_at(today - 100 * day))
    first, second = apps[0].milestones[:2]
    delivery.report(university, first, "完成检测模型训练与样机搭建，漏检率 0.08%。", "第三方检测报告 JC-2026-0815",
                    now=_at(today - 20 * day))
    delivery.decide(issuer, first, True, "指标达到任务书要求。")
    delivery.record_payment(issuer, first, first.amount_fen, today - 10 * day, "演示银行回单 20260001")
    delivery.report(university, second, "两条产线完成部署，连续运行 30 天。", "产线运行日志与用户报告",
                    now=_at(today - 1 * day))

    # 流榜: nobody reached the core indicator
    failed = _publish(
        admin("ent_env"), operator, title="高盐废水零排放低成本处理工艺", field="T07", region="120100",
        goal="开发吨水处理成本低于 30 元的高盐废水零排放工艺。", bounty_wan=150,
        opens=today - 100 * day, closes=today - 40 * day,
        indicators=(Ind("吨水成本", "≤ 30 元", "第三方核算"),),
        milestones=(M("中试", "中试报告", 50, 6), M("工程示范", "示范工程运行报告", 50, 12)))
    delivery.fail(admin("ent_env"), failed, "申报方案的吨水成本测算均高于 45 元，未达到核心指标。",
                  now=_at(today - 30 * day))
    db.session.flush()
    return db.session.scalar(sa.select(sa.func.count(Challenge.id)).where(Challenge.is_demo.is_(True)))


def remove_challenges(org_ids: set[int], user_ids) -> None:
    """Demo challenges and everything attached, applications of demo organisations to other challenges,
    demo users' panel seats, scores and expert profiles; and their audit rows. Core deletes, children
    first, so nothing depends on the database's cascades."""
    challenge_ids = sa.select(Challenge.id).where(sa.or_(Challenge.is_demo.is_(True),
                                                         Challenge.organisation_id.in_(org_ids)))
    application_ids = sa.select(Application.id).where(sa.or_(Application.challenge_id.in_(challenge_ids),
                                                             Application.organisation_id.in_(org_ids)))
    milestone_ids = sa.select(Milestone.id).where(Milestone.application_id.in_(application_ids))
    for entity, ids in (("challenge", challenge_ids), ("challenge_application", application_ids),
                        ("challenge_milestone", milestone_ids)):
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.entity_type == entity,
                                                       AuditEntry.entity_id.in_(ids)))
    db.session.execute(sa.delete(AuditEntry).where(
        AuditEntry.entity_type == "expert_profile",
        AuditEntry.entity_id.in_(sa.select(ExpertProfile.id).where(ExpertProfile.user_id.in_(user_ids)))))
    for statement in (
        sa.delete(Payment).where(Payment.milestone_id.in_(milestone_ids)),
        sa.delete(Milestone).where(Milestone.application_id.in_(application_ids)),
        sa.delete(Score).where(sa.or_(Score.application_id.in_(application_ids), Score.expert_id.in_(user_ids))),
        sa.delete(PanelMember).where(sa.or_(PanelMember.challenge_id.in_(challenge_ids),
                                            PanelMember.user_id.in_(user_ids))),
        sa.delete(Objection).where(sa.or_(Objection.challenge_id.in_(challenge_ids), Objection.user_id.in_(user_ids))),
        sa.delete(Application).where(Application.id.in_(application_ids)),
        sa.delete(Challenge).where(Challenge.id.in_(challenge_ids)),
        sa.delete(ExpertProfile).where(ExpertProfile.user_id.in_(user_ids)),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.expire_all()
