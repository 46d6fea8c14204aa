"""The demand service's own rules (the API and importers call it without the form)."""
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import make_demand, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry, trail
from tt_platform.demands import services
from tt_platform.demands.models import Demand
from tt_platform.demands.services import DemandData, DemandError
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings.models import ListingStatus
from tt_platform.listings.services import InvalidTransition
from tt_platform.security import NotAllowed


def data(**overrides) -> DemandData:
    base = DemandData(
        title="储能电站电池热失控预警", summary="寻求电池簇热失控早期预警方案。",
        problem="现有BMS报警滞后，无法提前干预。",
        field_code="T06", region_code="330100", cooperation_modes=["joint_dev", "transfer"],
        valid_until=dt.date.today() + dt.timedelta(days=60), contact_name="钱工", contact_phone="13700000000",
        budget_min=Decimal("50"), budget_max=Decimal("100"), required_trl=6,
    )
    return dataclasses.replace(base, **overrides)


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_a_new_demand_is_a_draft_of_the_users_organisation(db):
    user = make_user()
    demand = services.create_demand(user, data())
    assert demand.id is not None
    assert demand.organisation_id == user.organisation.id and demand.created_by_id == user.id
    assert demand.status is ListingStatus.DRAFT and demand.published_at is None
    assert demand.cooperation_modes == ["transfer", "joint_dev"]  # the code list's order, not the caller's
    assert [e.action for e in trail("demand", demand.id)] == ["created"]
    assert count(db, SearchOutbox, SearchOutbox.entity_type == "demand", SearchOutbox.entity_id == demand.id) == 1


def test_create_and_submit_at_once(db):
    demand = services.create_demand(make_user(), data(), submit=True)
    assert demand.status is ListingStatus.PENDING
    assert [e.action for e in trail("demand", demand.id)] == ["created", "submitted"]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"budget_min": Decimal("200"), "budget_max": Decimal("100")}, "预算上限不能低于预算下限"),
    ({"budget_min": None, "budget_max": None}, "请填写预算或勾选"),
    ({"is_challenge": True, "bounty": None}, "揭榜挂帅需求须填写榜单金额"),
    ({"is_challenge": True, "bounty": Decimal("0")}, "揭榜挂帅需求须填写榜单金额"),
    ({"required_trl": 0}, "技术成熟度须在 1 到 9 级之间"),
    ({"required_trl": 10}, "技术成熟度须在 1 到 9 级之间"),
    ({"field_code": "T99"}, "技术领域无效"),
    ({"field_code": "t06"}, "技术领域无效"),
    ({"region_code": "999999"}, "地区"),
    ({"cooperation_modes": []}, "合作方式"),
    ({"cooperation_modes": ["transfer", "bribery"]}, "合作方式"),
    ({"industry_section": "Z"}, "行业代码无效"),
    ({"industry_section": "D", "industry_division": "01"}, "行业代码无效"),  # 01 is farming (section A)
    ({"industry_section": None, "industry_division": "44"}, "行业代码无效"),
    ({"title": "   "}, None),
    ({"problem": ""}, None),
])
def test_rules_are_enforced_and_nothing_is_written(db, overrides, message):
    user = make_user()
    before = (count(db, Demand), count(db, AuditEntry), count(db, SearchOutbox))
    with pytest.raises(DemandError) as refused:
        services.create_demand(user, data(**overrides))
    if message:
        assert message in str(refused.value)
    assert (count(db, Demand), count(db, AuditEntry), count(db, SearchOutbox)) == before


@pytest.mark.parametrize("overrides", [
    {"budget_min": Decimal("100"), "budget_max": Decimal("100")},  # a fixed budget
    {"budget_min": None, "budget_max": Decimal("80")},  # "up to"
    {"budget_min": None, "budget_max": None, "budget_negotiable": True},  # 面议
    {"industry_section": "D", "industry_division": "44"},
    {"industry_section": "D", "industry_division": None},
    {"required_trl": None},
    {"is_challenge": True, "bounty": Decimal("30")},
])
def test_edge_cases_that_are_allowed(db, overrides):
    demand = services.create_demand(make_user(), data(**overrides))
    for name, value in overrides.items():
        assert getattr(demand, name) == value, name


def test_a_bounty_without_a_challenge_is_dropped(db):
    demand = services.create_demand(make_user(), data(is_challenge=False, bounty=Decimal("30")))
    assert demand.bounty is None


@pytest.mark.parametrize("kind", [OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.AGENCY, OrgKind.OPERATOR])
def test_only_enterprise_members_publish_demands(db, kind):
    with pytest.raises(NotAllowed):
        services.create_demand(make_user(kind=kind), data())
    assert count(db, Demand) == 0


def test_update_reports_the_changed_fields_and_keeps_a_draft_a_draft(db):
    user = make_user()
    demand = services.create_demand(user, data())
    assert services.update_demand(user, demand, data()) == []
    assert [e.action for e in trail("demand", demand.id)] == ["created"]  # nothing changed, nothing recorded
    changed = services.update_demand(user, demand, data(title="储能电站热失控预警（二期）", required_trl=7))
    assert changed == ["title", "required_trl"]
    assert demand.status is ListingStatus.DRAFT
    assert trail("demand", demand.id)[-1].data == {"fields": ["title", "required_trl"]}


def test_editing_a_published_demand_sends_it_back_to_review(db):
    demand = make_demand()
    owner = make_user(demand.organisation)
    services.update_demand(owner, demand, data())
    assert demand.status is ListingStatus.PENDING


def test_a_closed_demand_can_no_longer_be_edited(db):
    demand = make_demand(status=ListingStatus.CLOSED, title="已关闭的需求")
    with pytest.raises(InvalidTransition):
        services.update_demand(make_user(demand.organisation), demand, data())


def test_another_organisation_cannot_update_and_nothing_is_touched(db):
    demand = make_demand(title="原来的标题")
    before = count(db, AuditEntry)
    for outsider in (make_user(), make_user(kind=OrgKind.OPERATOR), make_user(make_org(OrgKind.UNIVERSITY))):
        with pytest.raises(NotAllowed):
            services.update_demand(outsider, demand, data(title="别人的标题"))
    assert demand.title == "原来的标题" and demand.status is ListingStatus.PUBLISHED
    assert count(db, AuditEntry) == before


def test_an_invalid_update_changes_nothing(db):
    user = make_user()
    demand = services.create_demand(user, data())
    with pytest.raises(DemandError):
        services.update_demand(user, demand, data(title="新标题", budget_min=Decimal("500")))
    assert demand.title == "储能电站电池热失控预警" and demand.budget_min == Decimal("50")
