"""The research-result service's own rules: TRL and maturity, price, IP records, who publishes and edits."""
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_user
from tt_platform.accounts.models import OrgKind, Role
from tt_platform.achievements import services
from tt_platform.achievements.models import Achievement, IPRecord
from tt_platform.achievements.services import AchievementData, AchievementError, IPRecordData
from tt_platform.audit.models import AuditEntry, trail
from tt_platform.listings.models import ListingStatus
from tt_platform.security import NotAllowed

PATENT = IPRecordData("invention_patent", "granted", "ZL202010123456.7", "一种覆冰监测装置")
SOFTWARE = IPRecordData("software_copyright", "granted", "2021SR0123456", "监测软件V1.0")


def data(**overrides) -> AchievementData:
    base = AchievementData(
        title="光纤光栅叶片覆冰监测系统", summary="实时监测风机叶片覆冰厚度。",
        description="传感器阵列与解调算法的详细方案。",
        field_code="T06", region_code="110100", cooperation_modes=["license", "transfer"],
        valid_until=dt.date.today() + dt.timedelta(days=60), contact_name="孙老师", contact_phone="010-62700001",
        trl=6, asking_price=Decimal("200"), ip_records=[PATENT],
    )
    return dataclasses.replace(base, **overrides)


def researcher():
    return make_user(kind=OrgKind.UNIVERSITY)


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_new_result_is_a_draft_with_its_ip_records(db):
    user = researcher()
    result = services.create_achievement(user, data(ip_records=[PATENT, SOFTWARE]))
    assert result.organisation_id == user.organisation.id and result.status is ListingStatus.DRAFT
    assert result.cooperation_modes == ["transfer", "license"]
    stored = db.session.scalars(sa.select(IPRecord).where(IPRecord.achievement_id == result.id)
                                .order_by(IPRecord.id)).all()
    assert [(r.ip_type, r.status, r.number, r.title) for r in stored] == [
        ("invention_patent", "granted", "ZL202010123456.7", "一种覆冰监测装置"),
        ("software_copyright", "granted", "2021SR0123456", "监测软件V1.0")]
    assert [e.action for e in trail("achievement", result.id)] == ["created"]


@pytest.mark.parametrize(("trl", "maturity"), [(1, "M1"), (3, "M1"), (4, "M2"), (5, "M2"), (6, "M3"), (7, "M4"),
                                               (8, "M5"), (9, "M5"), (None, None)])
def test_the_maturity_stage_follows_the_trl_unless_given(db, trl, maturity):
    result = services.create_achievement(researcher(), data(trl=trl))
    assert result.trl == trl and result.maturity == maturity


def test_a_given_maturity_stage_is_kept(db):
    assert services.create_achievement(researcher(), data(trl=6, maturity="M4")).maturity == "M4"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"trl": 0}, "技术成熟度须在 1 到 9 级之间"),
    ({"trl": 10}, "技术成熟度须在 1 到 9 级之间"),
    ({"trl": -3}, "技术成熟度须在 1 到 9 级之间"),
    ({"maturity": "M7"}, "成熟阶段无效"),
    ({"asking_price": None}, "请填写转让价格或勾选“面议”"),
    ({"ip_records": [IPRecordData("patent", "granted", "ZL1")]}, "每条知识产权记录都须填写类型和状态"),
    ({"ip_records": [PATENT, IPRecordData("invention_patent", "pending", "ZL1")]},
     "每条知识产权记录都须填写类型和状态"),
    ({"field_code": "T12"}, "技术领域无效"),
    ({"cooperation_modes": []}, None),
    ({"description": " "}, None),
    ({"summary": ""}, None),
])
def test_rules_are_enforced_and_nothing_is_written(db, overrides, message):
    user = researcher()
    before = (count(db, Achievement), count(db, IPRecord), count(db, AuditEntry))
    with pytest.raises(AchievementError) as refused:
        services.create_achievement(user, data(**overrides))
    if message:
        assert message in str(refused.value)
    assert (count(db, Achievement), count(db, IPRecord), count(db, AuditEntry)) == before


def test_a_negotiable_price_may_be_empty(db):
    result = services.create_achievement(researcher(), data(asking_price=None, price_negotiable=True))
    assert result.asking_price is None and result.price_negotiable


@pytest.mark.parametrize("kind", [OrgKind.ENTERPRISE, OrgKind.AGENCY, OrgKind.OPERATOR])
def test_only_universities_and_institutes_publish_results(db, kind):
    with pytest.raises(NotAllowed):
        services.create_achievement(make_user(kind=kind), data())
    assert count(db, Achievement) == 0


def test_ip_records_are_replaced_only_when_they_change(db):
    user = researcher()
    result = services.create_achievement(user, data(ip_records=[PATENT]))
    first_id = result.ip_records[0].id
    assert services.update_achievement(user, result, data(ip_records=[PATENT])) == []
    assert result.ip_records[0].id == first_id  # untouched, not deleted and re-inserted

    assert services.update_achievement(user, result, data(ip_records=[PATENT, SOFTWARE])) == ["ip_records"]
    db.session.flush()
    assert [r.number for r in result.ip_records] == ["ZL202010123456.7", "2021SR0123456"]
    assert count(db, IPRecord) == 2

    assert services.update_achievement(user, result, data(ip_records=[])) == ["ip_records"]
    db.session.flush()
    assert count(db, IPRecord) == 0  # removed rows are deleted, not orphaned


def test_editing_a_published_result_sends_it_back_to_review(db):
    result = make_achievement()
    changed = services.update_achievement(make_user(result.organisation), result, data(trl=7))
    assert "trl" in changed and "maturity" in changed
    assert result.status is ListingStatus.PENDING


def test_another_organisation_cannot_update_and_nothing_is_touched(db):
    result = make_achievement(title="原成果")
    before = count(db, AuditEntry)
    for outsider in (researcher(), make_user(kind=OrgKind.INSTITUTE), make_user(kind=OrgKind.OPERATOR)):
        with pytest.raises(NotAllowed):
            services.update_achievement(outsider, result, data(title="别人的成果", ip_records=[SOFTWARE]))
    assert result.title == "原成果" and result.ip_records == []
    assert count(db, AuditEntry) == before


def test_an_enterprise_colleague_of_the_owner_cannot_update_either(db):
    # The publishing role counts, not only the organisation: enterprises do not publish results.
    result = make_achievement()
    member = make_user(result.organisation)
    member.memberships[0].role = Role.ENTERPRISE
    db.session.flush()
    with pytest.raises(NotAllowed):
        services.update_achievement(member, result, data())


@pytest.mark.parametrize(("overrides", "message"), [
    ({"ip_records": [IPRecordData("invention_patent", "granted", "", "无号专利")]}, "号"),
    ({"ip_records": [PATENT] * 11}, "10"),
    ({"description": "长" * 20001}, "20,000"),
    ({"title": "题" * 201}, "200"),
    ({"title": "短"}, "4"),
    ({"valid_until": dt.date.today() - dt.timedelta(days=2)}, "早于今天"),
    ({"valid_until": dt.date.today() + dt.timedelta(days=3 * 366 + 2)}, "三年"),
])
def test_the_form_limits_hold_in_the_service_too(db, overrides, message):
    """The API and the importers reach the service without the web form: the same limits hold."""
    user = researcher()
    before = count(db, Achievement)
    with pytest.raises(AchievementError, match=message):
        services.create_achievement(user, data(**overrides))
    assert count(db, Achievement) == before


def test_a_trade_secret_needs_no_number(db):
    secret = IPRecordData("trade_secret", "granted", "", "配方")
    assert services.create_achievement(researcher(), data(ip_records=[secret])).ip_records[0].number == ""
