"""发榜: the publishing rules, operators' review, the status computed from the dates, the public 榜单."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_demand, make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import CLOSES, NOW, OPENS, challenge_data, published, replace
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry
from tt_platform.challenges import services
from tt_platform.challenges.models import Challenge, ChallengeState, Phase, SelectionMode
from tt_platform.database import db
from tt_platform.security import NotAllowed

M = services.MilestoneTemplate
C = services.Criterion


@pytest.fixture
def issuer(db):
    return make_user(make_org(), admin=True)


def test_an_enterprise_member_drafts_submits_and_an_operator_approves(issuer):
    challenge = services.create(issuer, challenge_data())
    assert challenge.state is ChallengeState.DRAFT and challenge.phase(NOW) is None
    assert challenge.bounty_fen == 500_000_000 and challenge.milestones[1]["share"] == 40
    services.submit_for_review(issuer, challenge)
    services.review(make_operator(), challenge, "approve", None, now=NOW)
    assert challenge.state is ChallengeState.PUBLISHED and challenge.published_at == NOW
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.entity_type == "challenge", AuditEntry.entity_id == challenge.id).order_by(AuditEntry.id))]
    # and its demand-side listing for search, while its applications are open (see test_search_listing.py)
    assert actions == ["created", "submitted", "approved"] + (["listed"] if challenge.demand_id else [])


def test_operators_publish_bureau_run_challenges(db):
    operator = make_operator()
    challenge = services.create(operator, challenge_data())
    assert challenge.organisation_id == operator.organisation.id


@pytest.mark.parametrize("who", ["university", "unverified_enterprise", "broker"])
def test_others_may_not_publish(db, who):
    user = {"university": lambda: make_user(make_org(OrgKind.UNIVERSITY)),
            "unverified_enterprise": lambda: make_user(make_org(verified=False)),
            "broker": lambda: make_user(make_org(OrgKind.AGENCY))}[who]()
    with pytest.raises(NotAllowed):
        services.create(user, challenge_data())
    assert db.session.scalar(db.select(db.func.count(Challenge.id))) == 0


def test_a_challenge_from_a_demand_of_the_own_organisation_only(issuer):
    demand = make_demand(issuer.organisation)
    challenge = services.create(issuer, challenge_data(demand_id=demand.id))
    assert challenge.demand.id == demand.id
    other = make_demand()
    with pytest.raises(services.NotFound):
        services.create(issuer, challenge_data(demand_id=other.id))


@pytest.mark.parametrize(("change", "words"), [
    ({"bounty_fen": 0}, "大于零"),
    ({"bounty_fen": -100}, "大于零"),
    ({"closes_at": OPENS}, "截止"),
    ({"closes_at": OPENS + dt.timedelta(days=400)}, "一年"),
    ({"milestones": (M("一", "交付", 30, 6), M("二", "交付", 60, 12))}, "90"),
    ({"milestones": (M("一", "交付", 50, 12), M("二", "交付", 50, 6))}, "顺序"),
    ({"milestones": ()}, "里程碑"),
    ({"rubric": (C("方案", 60, 10), C("团队", 30, 10))}, "90"),
    ({"rubric": (C("方案", 100, 0),)}, "最高分"),
    ({"indicators": (services.Indicator("电导率", "", "检测"),)}, "目标值"),
    ({"eligible_kinds": ()}, "哪些"),
    ({"eligible_kinds": ("agency",)}, "哪些"),
    ({"eligible_regions": ("999999",)}, "地区"),
    ({"field_code": "T99"}, "技术领域"),
    ({"selection_mode": SelectionMode.RACE, "race_teams": 1}, "赛马"),
    ({"selection_mode": SelectionMode.MERIT, "race_teams": 3}, "择优"),
    ({"title": "短"}, "标题"),
])
def test_bad_challenges_are_refused_with_a_translated_message(app, issuer, change, words):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}), pytest.raises(services.ChallengeError) as exc:
        services.create(issuer, challenge_data(**change))
    assert words in str(exc.value)
    assert db.session.scalar(db.select(db.func.count(Challenge.id))) == 0


def test_the_window_must_close_in_the_future_when_submitted_and_approved(issuer):
    challenge = services.create(issuer, challenge_data())
    with pytest.raises(services.ChallengeError):
        services.submit_for_review(issuer, challenge, now=CLOSES)
    services.submit_for_review(issuer, challenge, now=NOW)
    with pytest.raises(services.ChallengeError):
        services.review(make_operator(), challenge, "approve", None, now=CLOSES + dt.timedelta(seconds=1))
    assert challenge.state is ChallengeState.PENDING


def test_return_needs_a_reason_and_the_issuer_fixes_and_resubmits(issuer):
    challenge = services.create(issuer, challenge_data(), submit=True)
    operator = make_operator()
    with pytest.raises(services.ChallengeError):
        services.review(operator, challenge, "return", "  ")
    services.review(operator, challenge, "return", "请补充验证方式")
    assert challenge.state is ChallengeState.RETURNED and challenge.review_note == "请补充验证方式"
    services.update(issuer, challenge, replace(challenge_data(), title="高比能固态电池电解质联合攻关"))
    services.submit_for_review(issuer, challenge)
    assert challenge.state is ChallengeState.PENDING


def test_only_authorised_members_change_and_published_challenges_are_fixed(issuer):
    challenge = published(issuer)
    colleague = make_user(issuer.organisation)  # a member, not an admin, not the author
    with pytest.raises(NotAllowed):
        services.update(colleague, challenge, challenge_data())
    with pytest.raises(services.ChallengeError):
        services.update(issuer, challenge, challenge_data())
    with pytest.raises(NotAllowed):
        services.review(issuer, challenge, "approve", None)


def test_status_is_computed_from_the_dates(issuer):
    challenge = published(issuer)
    assert challenge.phase(OPENS - dt.timedelta(seconds=1)) is Phase.UPCOMING
    assert challenge.phase(OPENS) is Phase.OPEN
    assert challenge.phase(CLOSES - dt.timedelta(seconds=1)) is Phase.OPEN
    assert challenge.phase(CLOSES) is Phase.REVIEWING


def test_the_board_filters_by_field_region_bounty_and_status(issuer):
    hangzhou = published(issuer)
    beijing_org = make_org(region_code="110108")
    later = published(make_user(beijing_org, admin=True), field_code="T01", region_code="110108",
                      bounty_fen=50 * 1_000_000, opens_at=NOW + dt.timedelta(days=3))
    draft = services.create(issuer, challenge_data())

    def ids(**kw):
        return [c.id for c in services.board(services.BoardFilter(**kw), NOW)]

    assert set(ids()) == {hangzhou.id, later.id} and draft.id not in ids()
    assert ids(field_code="T06") == [hangzhou.id]
    assert ids(province="110000") == [later.id]
    assert ids(min_bounty_fen=100 * 1_000_000) == [hangzhou.id]
    assert ids(phase=Phase.OPEN) == [hangzhou.id]
    assert ids(phase=Phase.UPCOMING) == [later.id]
    assert ids(phase=Phase.REVIEWING) == []
    reviewing = services.board(services.BoardFilter(phase=Phase.REVIEWING), CLOSES)
    assert {c.id for c in reviewing} == {hangzhou.id, later.id}


def test_region_eligibility_codes():
    assert services.region_matches("330106", "330000")
    assert services.region_matches("330106", "330100")
    assert not services.region_matches("320106", "330000")
    assert services.region_matches("330106", "330106") and not services.region_matches("330106", "330108")


def test_money_in_wan_is_exact():
    assert services.wan_to_fen(services.Decimal("12.34")) == 12_340_000
    with pytest.raises(ValueError, match="fen"):
        services.wan_to_fen(services.Decimal("0.0000001"))


def test_a_published_challenge_marks_its_demand_with_the_bounty(issuer):
    demand = make_demand(issuer.organisation, is_challenge=False, bounty=None)
    challenge = services.create(issuer, challenge_data(demand_id=demand.id, bounty_fen=123_450_000), submit=True)
    assert not demand.is_challenge
    services.review(make_operator(), challenge, "approve", None, now=NOW)
    assert demand.is_challenge and str(demand.bounty) == "123.45"
