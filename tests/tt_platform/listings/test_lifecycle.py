import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry, trail
from tt_platform.demands.models import Demand
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings.models import ListingStatus
from tt_platform.listings.services import expire_due

VALID = (dt.date.today() + dt.timedelta(days=90)).isoformat()


def demand_form(**overrides):
    data = {
        "title": "风电叶片覆冰监测与除冰技术", "summary": "寻求叶片覆冰在线监测与低能耗除冰方案。",
        "problem": "冬季叶片覆冰导致发电量下降，现有加热除冰能耗高。", "current_situation": "人工巡检。",
        "target_indicators": "覆冰识别准确率≥95%", "field_code": "T06", "industry": "D:44",
        "keywords": "覆冰, 除冰，风电叶片", "region_code": "150100", "budget_min": "50", "budget_max": "120.5",
        "cooperation_modes": ["joint_dev", "transfer"], "required_trl": "6", "valid_until": VALID,
        "contact_name": "李工", "contact_phone": "13900000000", "contact_email": "li@example.cn",
    }
    data.update(overrides)
    return data


def result_form(**overrides):
    data = {
        "title": "基于光纤传感的叶片覆冰监测系统", "summary": "光纤光栅传感实时监测叶片覆冰厚度。",
        "description": "详细技术方案：光纤光栅传感器阵列……", "field_code": "T06", "keywords": "覆冰,光纤传感",
        "region_code": "110100", "trl": "6", "asking_price": "200", "cooperation_modes": ["license"],
        "valid_until": VALID, "contact_name": "赵老师", "contact_phone": "010-62700000",
        "ip_records-0-ip_type": "invention_patent", "ip_records-0-number": "ZL202010123456.7",
        "ip_records-0-title": "一种覆冰监测装置", "ip_records-0-status": "granted",
    }
    data.update(overrides)
    return data


def test_demand_publish_review_cycle(login, db):
    enterprise = make_user(admin=True)
    operator = make_operator()
    owner, op = login(enterprise), login(operator)

    response = owner.post("/demands/new", data={**demand_form(), "action": "submit"})
    assert response.status_code == 302
    demand = db.session.scalar(sa.select(Demand))
    assert demand.status is ListingStatus.PENDING
    assert demand.budget_max == Decimal("120.50")
    assert demand.keywords == "覆冰,除冰,风电叶片"
    assert (demand.industry_section, demand.industry_division) == ("D", "44")
    assert demand.cooperation_modes == ["transfer", "joint_dev"]

    # not public while pending
    assert login(make_user()).get(f"/demands/{demand.id}").status_code == 404

    op.post(f"/review/demand/{demand.id}", data={"decision": "return", "reason": "请补充技术指标"})
    assert demand.status is ListingStatus.RETURNED
    assert "请补充技术指标" in owner.get(f"/demands/{demand.id}").get_data(as_text=True)

    owner.post(f"/demands/{demand.id}/submit")
    op.post(f"/review/demand/{demand.id}", data={"decision": "approve"})
    assert demand.status is ListingStatus.PUBLISHED and demand.published_at is not None
    assert demand.title in login(make_user()).get("/demands/").get_data(as_text=True)

    # editing after publication goes back to review
    owner.post(f"/demands/{demand.id}/edit", data=demand_form(title="风电叶片覆冰监测与除冰技术（修订）"))
    assert demand.status is ListingStatus.PENDING
    actions = [e.action for e in trail("demand", demand.id)]
    assert actions == ["created", "submitted", "returned", "submitted", "approved", "updated"]
    edit = trail("demand", demand.id)[-1]
    assert edit.actor_id == enterprise.id and edit.data == {"fields": ["title"]}
    # every change leaves an outbox row for the search index, in the same transaction
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)
                             .where(SearchOutbox.entity_id == demand.id)) == len(actions)


def test_reject_needs_reason_and_is_final(login, db):
    demand = make_demand(status=ListingStatus.PENDING)
    op = login(make_operator())
    op.post(f"/review/demand/{demand.id}", data={"decision": "reject"})
    assert demand.status is ListingStatus.PENDING
    op.post(f"/review/demand/{demand.id}", data={"decision": "reject", "reason": "非技术需求"})
    assert demand.status is ListingStatus.REJECTED
    owner = make_user(demand.organisation)
    response = login(owner).post(f"/demands/{demand.id}/edit", data=demand_form(), follow_redirects=True)
    assert "该信息已不能修改" in response.get_data(as_text=True)


def test_unverified_organisation_cannot_be_published(login, db):
    demand = make_demand(make_org(verified=False), status=ListingStatus.PENDING)
    response = login(make_operator()).post(f"/review/demand/{demand.id}", data={"decision": "approve"},
                                           follow_redirects=True)
    assert "请先认证该机构" in response.get_data(as_text=True)
    assert demand.status is ListingStatus.PENDING


def test_owner_status_changes(login, db):
    demand = make_demand()
    owner = login(make_user(demand.organisation))
    owner.post(f"/demands/{demand.id}/status", data={"status": "negotiating"})
    assert demand.status is ListingStatus.NEGOTIATING
    owner.post(f"/demands/{demand.id}/status", data={"status": "solved"})
    assert demand.status is ListingStatus.SOLVED
    response = owner.post(f"/demands/{demand.id}/status", data={"status": "published"}, follow_redirects=True)
    assert "无法进行该状态变更" in response.get_data(as_text=True)
    assert demand.status is ListingStatus.SOLVED


def test_bad_demand_input_is_explained_and_nothing_written(login, db):
    client = login(make_user())
    cases = [
        ({"budget_min": "200", "budget_max": "100"}, "预算上限不能低于预算下限"),
        ({"budget_min": "", "budget_max": ""}, "请填写预算或勾选"),
        ({"budget_max": "abc"}, "请以万元为单位输入金额"),
        ({"budget_max": "1.234"}, "最多保留两位小数"),
        ({"budget_max": "-5"}, "请输入 0 至"),
        ({"valid_until": "2000-01-01"}, "有效期不能早于今天"),
        ({"field_code": "T99"}, "请从列表中选择"),
        ({"industry": "Z:99"}, "请从列表中选择"),
        ({"cooperation_modes": []}, "此项为必填项"),
        ({"cooperation_modes": ["bribery"]}, "请从列表中选择"),
        ({"title": ""}, "此项为必填项"),
        ({"title": "长" * 201}, "长度须在"),
        ({"is_challenge": "y"}, "揭榜挂帅需求须填写榜单金额"),
        ({"keywords": ",".join(f"k{i}" for i in range(20))}, "关键词最多 12 个"),
    ]
    for overrides, message in cases:
        response = client.post("/demands/new", data=demand_form(**overrides))
        assert response.status_code == 200, overrides
        assert message in response.get_data(as_text=True), overrides
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Demand)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_result_with_ip_records(login, db):
    researcher = make_user(kind=OrgKind.UNIVERSITY)
    client = login(researcher)
    response = client.post("/results/new", data=result_form())
    assert response.status_code == 302
    result = db.session.scalar(sa.select(Achievement))
    assert result.status is ListingStatus.DRAFT and result.maturity == "M3"
    assert [(r.ip_type, r.number, r.status) for r in result.ip_records] == [
        ("invention_patent", "ZL202010123456.7", "granted")]
    response = client.post(f"/results/{result.id}/edit", data=result_form(**{
        "ip_records-0-number": "", "ip_records-0-ip_type": "", "ip_records-0-title": "",
        "ip_records-0-status": ""}))
    assert response.status_code == 302
    assert result.ip_records == []


def test_ip_record_needs_number(login, db):
    client = login(make_user(kind=OrgKind.INSTITUTE))
    response = client.post("/results/new", data=result_form(**{"ip_records-0-number": ""}))
    assert "专利和登记类知识产权须填写编号" in response.get_data(as_text=True)


def test_enterprises_cannot_publish_results_and_universities_cannot_publish_demands(login, db):
    assert login(make_user()).post("/results/new", data=result_form()).status_code == 403
    assert login(make_user(kind=OrgKind.UNIVERSITY)).post("/demands/new", data=demand_form()).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == 0


def test_expiry_is_computed_then_persisted(client, db, browse_mode):
    stale = make_demand(valid_until=dt.date.today() - dt.timedelta(days=1))
    fresh = make_demand()
    browse_mode()
    assert stale.effective_status is ListingStatus.EXPIRED
    html = client.get("/demands/").get_data(as_text=True)
    assert fresh.title in html and stale.title not in html
    assert client.get(f"/demands/{stale.id}").status_code == 404
    assert expire_due(Demand) == 1
    assert stale.status is ListingStatus.EXPIRED
    assert expire_due(Demand) == 0


def test_details_and_contact_only_for_verified_members(login, client, db):
    result = make_achievement()
    secret = "成果的详细介绍，保密细节。"
    assert secret not in client.get(f"/results/{result.id}").get_data(as_text=True)
    assert secret not in login(make_user(verified=False)).get(f"/results/{result.id}").get_data(as_text=True)
    assert secret in login(make_user()).get(f"/results/{result.id}").get_data(as_text=True)
    broker = make_user(kind=OrgKind.AGENCY)
    page = login(broker).get(f"/results/{result.id}").get_data(as_text=True)
    assert secret in page and result.contact_phone in page


def test_stored_markup_is_escaped(login, db):
    demand = make_demand(title='<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    html = login(make_user()).get(f"/demands/{demand.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_validity_dates_are_beijing_dates(db, monkeypatch):
    # 17:00 UTC on 1 March is already 2 March in Beijing: a listing valid until 1 March has expired
    import tt_platform.database as database

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC).astimezone(tz)

    monkeypatch.setattr(database.dt, "datetime", Clock)
    ends_first = make_demand(valid_until=dt.date(2026, 3, 1))
    ends_second = make_demand(valid_until=dt.date(2026, 3, 2))
    assert ends_first.effective_status is ListingStatus.EXPIRED
    assert ends_second.effective_status is ListingStatus.PUBLISHED
    assert expire_due(Demand) == 1
