"""Every published challenge is found by the demand list, search and matching: one published without a
demand (a bureau-run 榜) gets its demand-side listing, flagged 揭榜挂帅 with the bounty, owned by the
issuer and linked to the challenge; drafts, pending, returned and rejected challenges get none."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import challenge_data, live_window
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry
from tt_platform.challenges import delivery, services
from tt_platform.challenges.models import ChallengeState
from tt_platform.database import CHINA, china_today, utcnow
from tt_platform.demands.models import Demand
from tt_platform.indexing import sync
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings.models import ListingStatus

ICE = dict(title="输电线路覆冰在线监测与融冰技术攻关", field_code="T06", region_code="110100",
           goal="研制输电线路覆冰厚度在线监测装置与直流融冰技术，冬季覆冰导致线路跳闸须及时预警。",
           indicators=(services.Indicator("覆冰厚度测量误差", "≤ 1 mm", "第三方检测"),),
           bounty_fen=800 * 1_000_000)


def bureau_challenge(decision: str | None = "approve", **kw):
    """A challenge an operator (a science bureau) writes without a demand, decided by another operator."""
    bureau = make_operator()
    challenge = services.create(bureau, challenge_data(**{**ICE, **live_window(), **kw}),
                                submit=decision is not None)
    if decision is not None:
        services.review(make_operator(), challenge, decision, None if decision == "approve" else "理由说明")
    return bureau, challenge


def test_publishing_without_a_demand_lists_it_through_the_demand_rules(db):
    bureau, challenge = bureau_challenge()
    assert challenge.state is ChallengeState.PUBLISHED
    demand = challenge.demand
    assert demand is not None and challenge.demand_id == demand.id
    assert demand.organisation_id == bureau.organisation.id == challenge.organisation_id
    assert demand.status is ListingStatus.PUBLISHED and demand.published_at is not None
    assert demand.is_challenge and demand.bounty == Decimal("800.00")
    assert demand.budget_min == demand.budget_max == Decimal("800.00")
    assert demand.title == challenge.title and demand.problem == challenge.goal
    assert "覆冰厚度测量误差：≤ 1 mm（第三方检测）" in demand.target_indicators
    assert demand.keyword_list == ["揭榜挂帅", "覆冰厚度测量误差"]
    assert demand.cooperation_modes == ["commissioned_dev"]
    assert demand.valid_until == challenge.closes_at.astimezone(CHINA).date()  # open while applications are
    assert demand.contact_phone == bureau.organisation.contact_phone
    # the same trail and index rows as any listing: created, submitted, approved, one outbox row
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "demand",
                                                                  AuditEntry.entity_id == demand.id)
                                 .order_by(AuditEntry.id)).all()  # no ORDER BY: any order on PostgreSQL
    assert actions == ["created", "submitted", "approved"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox).where(
        SearchOutbox.entity_type == "demand", SearchOutbox.entity_id == demand.id)) >= 1
    assert db.session.scalar(sa.select(AuditEntry.data).where(
        AuditEntry.entity_type == "challenge", AuditEntry.entity_id == challenge.id,
        AuditEntry.action == "listed")) == {"demand": demand.id}


def test_a_challenge_made_from_a_demand_gets_no_second_listing(db):
    issuer = make_user(make_org(), admin=True)
    demand = make_demand(issuer.organisation)
    before = db.session.scalar(sa.select(sa.func.count(Demand.id)))
    challenge = services.create(issuer, challenge_data(demand_id=demand.id, **live_window()), submit=True)
    services.review(make_operator(), challenge, "approve", None)
    assert challenge.demand_id == demand.id and demand.is_challenge
    assert db.session.scalar(sa.select(sa.func.count(Demand.id))) == before


@pytest.mark.parametrize("decision", [None, "return", "reject", "pending"])
def test_unpublished_challenges_are_not_listed(db, decision):
    _bureau, challenge = bureau_challenge(None if decision in (None, "pending") else decision)
    if decision == "pending":
        services.submit_for_review(challenge.created_by, challenge)
    assert challenge.state is not ChallengeState.PUBLISHED
    assert challenge.demand_id is None
    assert db.session.scalar(sa.select(sa.func.count(Demand.id)).where(Demand.title == ICE["title"])) == 0


def test_an_issuer_without_a_contact_phone_is_told_and_nothing_is_published(db):
    bureau = make_operator()
    challenge = services.create(bureau, challenge_data(**{**ICE, **live_window()}), submit=True)
    bureau.organisation.contact_phone = ""
    with pytest.raises(services.ChallengeError, match="Contact phone|联系电话"):
        services.review(make_operator(), challenge, "approve", None)


def test_found_by_the_demand_list_search_and_by_matching_from_a_related_result(db, client, browse_mode):
    _bureau, challenge = bureau_challenge()
    _b2, rejected = bureau_challenge("reject", title="高压电缆局部放电检测技术攻关")
    _b3, returned = bureau_challenge("return", title="变电站巡检机器人覆冰识别攻关")
    browse_mode()
    db.session.commit()
    listed = f'href="/demands/{challenge.demand_id}"'
    for url in ("/demands/?q=覆冰", "/demands/?challenge=1", "/demands/?q=融冰&field=T06"):
        page = client.get(url).text
        assert listed in page, url
        assert "变电站巡检机器人" not in page and "高压电缆局部放电" not in page
    assert rejected.demand_id is None and returned.demand_id is None
    # the demand's page leads to the challenge
    assert f"/challenges/{challenge.id}" in client.get(f"/demands/{challenge.demand_id}").text


def test_matching_from_a_related_result_finds_it(db, client, index):
    _bureau, challenge = bureau_challenge()
    bureau_challenge("reject", title="输电线路覆冰融冰装置攻关（被驳回）")
    uni = make_org(OrgKind.UNIVERSITY, region_code="110100")
    result = make_achievement(uni, title="输电线路覆冰厚度监测装置", keywords="覆冰,输电线路,融冰",
                              description="基于拉力与倾角传感的输电线路覆冰厚度在线监测，误差小于 1 mm",
                              field_code="T06")
    sync.rebuild()
    db.session.commit()
    page = client.get(f"/matches/result/{result.id}").text
    assert f'href="/demands/{challenge.demand_id}"' in page
    assert "被驳回" not in page


def test_a_republished_challenge_is_listed_afresh_once_the_first_listing_expired(db):
    bureau, failed = bureau_challenge()
    first = failed.demand
    assert first is not None and first.is_challenge
    delivery.fail(bureau, failed, "无人揭榜", now=failed.closes_at + dt.timedelta(hours=1))
    first.valid_until = china_today() - dt.timedelta(days=1)  # its applications closed: the listing expired
    copy = delivery.republish(bureau, failed, now=utcnow())
    assert copy.demand_id is None
    services.submit_for_review(bureau, copy)
    services.review(make_operator(), copy, "approve", None)
    assert copy.demand is not None and copy.demand_id != first.id
    assert copy.demand.status is ListingStatus.PUBLISHED and copy.demand.valid_until >= china_today()


def test_a_republished_challenge_keeps_a_demand_that_is_still_listed(db):
    bureau, failed = bureau_challenge()
    delivery.fail(bureau, failed, "无人揭榜", now=failed.closes_at + dt.timedelta(hours=1))
    assert delivery.republish(bureau, failed, now=utcnow()).demand_id == failed.demand_id


def test_a_backdated_review_of_a_window_already_over_lists_nothing(db):
    """The demo writes challenges' history with reviews in the past: their listing would be born expired."""
    long_ago = utcnow() - dt.timedelta(days=200)
    bureau = make_operator()
    challenge = services.create(bureau, challenge_data(**{**ICE, "opens_at": long_ago,
                                                          "closes_at": long_ago + dt.timedelta(days=30)}))
    services.submit_for_review(bureau, challenge, now=long_ago - dt.timedelta(days=3))
    services.review(make_operator(), challenge, "approve", None, now=long_ago - dt.timedelta(days=2))
    assert challenge.state is ChallengeState.PUBLISHED and challenge.demand_id is None


def test_a_demo_challenge_is_not_listed(db):
    """The demo ships the vectors of every listing it makes; a demo challenge's listing is not among them."""
    bureau = make_operator()
    challenge = services.create(bureau, challenge_data(**{**ICE, **live_window()}))
    challenge.is_demo = True
    services.submit_for_review(bureau, challenge)
    services.review(make_operator(), challenge, "approve", None)
    assert challenge.state is ChallengeState.PUBLISHED and challenge.demand_id is None
