"""The demand pages: publish through the form, its checks, editing, and who may edit."""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from tests.factories import make_demand, make_operator, make_org, make_user
from tests.tt_platform.demands.form_data import demand_form
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry, trail
from tt_platform.demands.models import Demand, DemandList
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings.models import ListingStatus


def audit_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


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


def test_the_new_demand_form_starts_with_the_publishers_details(login, db):
    org = make_org(region_code="150100")
    user = make_user(org, name="赵工")
    html = login(user).get("/demands/new").get_data(as_text=True)
    assert 'selected value="150100"' in html
    assert f'value="{user.email}"' in html and 'value="赵工"' in html
    assert f'value="{org.contact_phone}"' in html  # the user has no phone of their own


def test_a_challenge_keeps_its_bounty_and_a_negotiable_budget_may_be_empty(login, db):
    client = login(make_user())
    response = client.post("/demands/new", data=demand_form(
        is_challenge="y", bounty="30", budget_min="", budget_max="", budget_negotiable="y"))
    assert response.status_code == 302
    demand = db.session.scalar(sa.select(Demand))
    assert demand.is_challenge and demand.bounty == Decimal("30.00")
    assert demand.budget_min is None and demand.budget_max is None and demand.budget_negotiable
    assert demand.status is ListingStatus.DRAFT  # saved, not submitted


def test_the_edit_form_shows_what_is_stored(login, db):
    demand = make_demand(industry_section="D", industry_division="44", required_trl=7, keywords="覆冰,除冰")
    html = login(make_user(demand.organisation)).get(f"/demands/{demand.id}/edit").get_data(as_text=True)
    assert 'selected value="D:44"' in html
    assert 'selected value="7"' in html
    assert 'value="覆冰，除冰"' in html


def test_saving_an_unchanged_draft_changes_nothing(login, db):
    owner = make_user()
    client = login(owner)
    client.post("/demands/new", data=demand_form())
    demand = db.session.scalar(sa.select(Demand))
    before = audit_count(db)
    response = client.post(f"/demands/{demand.id}/edit", data=demand_form(), follow_redirects=True)
    assert "没有修改" in response.get_data(as_text=True)
    assert audit_count(db) == before and demand.status is ListingStatus.DRAFT


def test_another_organisation_cannot_edit_a_demand(login, db):
    demand = make_demand(title="原标题需求")
    other = make_user()  # an enterprise member too, of another organisation
    client = login(other)
    before = audit_count(db)
    assert client.get(f"/demands/{demand.id}/edit").status_code == 403
    response = client.post(f"/demands/{demand.id}/edit", data=demand_form(title="被他人改过的标题"))
    assert response.status_code == 403
    assert "只有发布该信息的机构可以修改" in response.get_data(as_text=True)
    assert demand.title == "原标题需求" and audit_count(db) == before
    assert client.post(f"/demands/{demand.id}/status", data={"status": "closed"}).status_code == 403
    assert demand.status is ListingStatus.PUBLISHED


def test_an_operator_sees_the_demand_list_picker_others_do_not(login, db):
    demand = make_demand()
    operator = make_operator()
    db.session.add(DemandList(name="园区需求清单", source="某高新区", region_code="330100",
                              issued_on=dt.date(2026, 1, 5), organisation_id=operator.organisation.id))
    db.session.flush()
    page = login(operator).get(f"/demands/{demand.id}").get_data(as_text=True)
    assert 'id="add-to-list"' in page and "园区需求清单" in page
    page = login(make_user(kind=OrgKind.AGENCY)).get(f"/demands/{demand.id}").get_data(as_text=True)
    assert 'id="add-to-list"' not in page
