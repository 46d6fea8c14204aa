"""Demo matchmaking cases and roadshows, so brokers' and agencies' dashboards are not empty.
Everything is labelled demo; listings are paired within the same 技术领域 (no engine needed at load)."""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from tt_platform.accounts.models import Organisation, User
from tt_platform.achievements.models import Achievement
from tt_platform.brokerage import services as cases
from tt_platform.brokerage.models import PIPELINE, Stage
from tt_platform.database import CHINA, db
from tt_platform.demands.models import Demand
from tt_platform.listings.models import ListingStatus
from tt_platform.roadshows import services as roadshows
from tt_platform.roadshows.models import Registration, RegistrationStatus

#: words that make a result fit each demo roadshow's theme
THEME_WORDS = {"T06": ("电池", "光伏", "风电", "储能", "新能源", "发电"), "T04": ("药", "抗", "肿瘤", "疫苗", "诊断")}
NOTES = ["已与需求方技术负责人电话沟通，确认核心指标。", "成果团队同意提供中试数据，下周安排线上交流。",
         "双方就许可费与提成比例交换了初步意见。", "企业希望先做小批量验证，再谈转让。"]


def load_brokerage(orgs: dict[str, Organisation], users: dict[str, User], today: dt.date,
                   rng: random.Random) -> dict[str, int]:
    brokers = [users[e] for e in ("broker@demo.example.cn", "broker2@demo.example.cn", "broker3@demo.example.cn")]
    demands = db.session.scalars(sa.select(Demand).where(Demand.is_demo.is_(True),
                                                         Demand.status == ListingStatus.PUBLISHED)
                                 .order_by(Demand.id)).all()
    results_by_field: dict[str, list[Achievement]] = {}
    for result in db.session.scalars(sa.select(Achievement).where(Achievement.is_demo.is_(True),
                                                                  Achievement.status == ListingStatus.PUBLISHED)
                                     .order_by(Achievement.id)):
        results_by_field.setdefault(result.field_code, []).append(result)

    n_cases = 0
    for i, demand in enumerate(demands[:16]):
        candidates = results_by_field.get(demand.field_code, [])
        if not candidates:
            continue
        broker = brokers[i % len(brokers)]
        case = cases.open_case(broker, "", [demand], rng.sample(candidates, min(2, len(candidates))))
        case.is_demo = True
        stage = rng.choice([*PIPELINE[:4], Stage.TERMINATED]) if i else Stage.NEGOTIATION
        if stage is Stage.TERMINATED:
            cases.set_stage(broker, case, stage, rng.choice(["price", "no_fit", "other_partner"]))
        elif stage is not Stage.INTENT:
            cases.set_stage(broker, case, stage)
        cases.add_note(broker, case, rng.choice(NOTES))
        if stage is not Stage.TERMINATED:
            due = today + dt.timedelta(days=rng.randint(-5, 14))
            cases.add_task(broker, case, rng.choice(["约双方线上会议", "整理技术参数对比表", "起草合同条款"]), due,
                           broker.id)
        n_cases += 1
    # one request waiting in the agency's inbox
    enterprise_user = users["enterprise@demo.example.cn"]
    own = next((d for d in demands if d.organisation_id == orgs["ent_info"].id), None)
    if own is not None:
        request = cases.request_broker(enterprise_user, own, orgs["agency"],
                                       "希望机构协助寻找高校团队并评估报价（演示数据）。")
        request.is_demo = True
        n_cases += 1

    # an upcoming roadshow open for registration, and a past one with registrations and intentions
    organiser = users["broker@demo.example.cn"]
    n_roadshows = 0
    for days, title in ((21, "新能源与先进制造科技成果直通车（第12期）"), (-30, "生物医药科技成果直通车（第11期）")):
        day = today + dt.timedelta(days=days)
        start = dt.datetime.combine(day, dt.time(14, 0), CHINA).astimezone(dt.UTC)
        field_code = "T06" if days > 0 else "T04"
        roadshow = roadshows.create(organiser, roadshows.RoadshowData(
            title=f"{title}（演示数据）", theme="高校院所优质成果集中路演，企业现场对接，技术经纪人全程跟进。",
            starts_at=start, ends_at=start + dt.timedelta(hours=3), capacity=120,
            registration_opens_on=day - dt.timedelta(days=40), registration_closes_on=day - dt.timedelta(days=1),
            field_code=field_code, venue="示范市科技大厦三楼报告厅", requires_approval=days > 0))
        roadshow.is_demo, roadshow.is_published = True, True
        themed = [r for r in results_by_field.get(field_code, []) if any(w in r.title for w in THEME_WORDS[field_code])]
        for result in (themed or results_by_field.get(field_code, []))[:5]:
            roadshows.add_slot(organiser, roadshow, result, result.organisation.name, 15)
        buyers = [o for k, o in orgs.items() if k.startswith("ent_") and o.is_verified][:6]
        for org in buyers:
            member = next(m.user for m in org.memberships)
            registration = Registration(organisation_id=org.id, user_id=member.id, attendees=rng.randint(1, 3),
                                        status=RegistrationStatus.PENDING if days > 0 and rng.random() < 0.3
                                        else RegistrationStatus.APPROVED)
            roadshow.registrations.append(registration)
            if days < 0 and registration.status is RegistrationStatus.APPROVED:
                registration.checked_in_at = start
        db.session.flush()
        if days < 0:
            after = roadshow.ends_at + dt.timedelta(hours=1)
            for registration in roadshow.registrations[:3]:
                member = db.session.get(User, registration.user_id)
                if roadshow.slots:
                    roadshows.record_intention(member, roadshow, rng.choice(roadshow.slots).achievement_id,
                                               rng.choice(["strong", "interested"]), "希望进一步了解中试数据", after)
        n_roadshows += 1
    db.session.flush()
    return {"cases": n_cases, "roadshows": n_roadshows}
