"""揭榜申报: drafts, submission inside the window, one per organisation, eligibility, withdrawal, 形式审查."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_achievement, make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import CLOSES, NOW, OPENS, application_data, published, submitted
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import services
from tt_platform.challenges.models import Application, ApplicationStatus
from tt_platform.security import NotAllowed


@pytest.fixture
def world(db):
    issuer = make_user(make_org(), admin=True)
    return {"issuer": issuer, "challenge": published(issuer),
            "university": make_user(make_org(OrgKind.UNIVERSITY)),
            "institute": make_user(make_org(OrgKind.INSTITUTE))}


def count(db) -> int:
    return db.session.scalar(db.select(db.func.count(Application.id)))


def test_a_draft_is_completed_submitted_and_passes_the_formal_check(world, db):
    user, challenge = world["university"], world["challenge"]
    result = make_achievement(user.organisation)
    application = services.start_application(user, challenge, now=NOW)
    assert application.status is ApplicationStatus.DRAFT and application.schedule == ["", "", ""]
    with pytest.raises(services.ChallengeError):
        services.submit_application(user, application, now=NOW)  # nothing filled in yet
    services.update_application(user, application, application_data(result_ids=(result.id,)), now=NOW)
    services.submit_application(user, application, now=NOW)
    assert application.status is ApplicationStatus.SUBMITTED and application.submitted_at == NOW
    assert application.team[0] == {"name": "李教授", "role": "项目负责人", "title": "教授"}
    services.formal_check(make_operator(), application, True, None)
    assert application.status is ApplicationStatus.COMPLETE


@pytest.mark.parametrize(("moment", "words"), [(OPENS - dt.timedelta(minutes=1), "开始"), (CLOSES, "截止")])
def test_submission_only_inside_the_window(app, world, moment, words):
    user, challenge = world["university"], world["challenge"]
    application = services.start_application(user, challenge, now=NOW)
    services.update_application(user, application, application_data(), now=NOW)
    with app.test_request_context(), pytest.raises(services.ChallengeError) as exc:
        services.submit_application(user, application, now=moment)
    assert words in str(exc.value) and application.status is ApplicationStatus.DRAFT


def test_one_application_per_organisation(world, db):
    challenge = world["challenge"]
    submitted(world["university"], challenge)
    colleague = make_user(world["university"].organisation)
    with pytest.raises(services.ChallengeError):
        services.start_application(colleague, challenge, now=NOW)
    assert count(db) == 1


@pytest.mark.parametrize("who", ["issuer_colleague", "unverified", "agency", "enterprise_not_eligible", "elsewhere"])
def test_ineligible_organisations_are_refused(app, db, who):
    issuer = make_user(make_org(region_code="330100"), admin=True)
    challenge = published(issuer, eligible_kinds=("university", "institute"), eligible_regions=("330000",))
    user = {"issuer_colleague": lambda: make_user(issuer.organisation),
            "unverified": lambda: make_user(make_org(OrgKind.UNIVERSITY, verified=False)),
            "agency": lambda: make_user(make_org(OrgKind.AGENCY)),
            "enterprise_not_eligible": lambda: make_user(make_org()),
            "elsewhere": lambda: make_user(make_org(OrgKind.UNIVERSITY, region_code="110108"))}[who]()
    with app.test_request_context(), pytest.raises(services.ChallengeError) as exc:
        services.start_application(user, challenge, now=NOW)
    assert str(exc.value)
    assert count(db) == 0


def test_applying_after_the_deadline_is_refused(world, db):
    with pytest.raises(services.ChallengeError):
        services.start_application(world["university"], world["challenge"], now=CLOSES)
    assert count(db) == 0


def test_withdrawal_until_the_window_closes_and_reopening(world):
    user, challenge = world["university"], world["challenge"]
    application = submitted(user, challenge)
    with pytest.raises(services.ChallengeError):
        services.withdraw_application(user, application, now=CLOSES)
    services.withdraw_application(user, application, now=NOW)
    assert application.status is ApplicationStatus.WITHDRAWN
    assert services.start_application(user, challenge, now=NOW) is application
    assert application.status is ApplicationStatus.DRAFT


def test_a_returned_application_is_fixed_until_the_window_closes(world):
    user, challenge = world["university"], world["challenge"]
    application = submitted(user, challenge)
    operator = make_operator()
    with pytest.raises(services.ChallengeError):
        services.formal_check(operator, application, False, "")
    services.formal_check(operator, application, False, "缺少预算明细")
    assert application.status is ApplicationStatus.RETURNED and application.return_reason == "缺少预算明细"
    with pytest.raises(services.ChallengeError):
        services.update_application(user, application, application_data(), now=CLOSES)
    services.update_application(user, application, application_data(budget_fen=320 * 1_000_000), now=NOW)
    services.submit_application(user, application, now=NOW)
    assert application.status is ApplicationStatus.SUBMITTED


@pytest.mark.parametrize("change", [
    {"budget_fen": 0}, {"budget_fen": -5}, {"team": (services.TeamMember("张三", ""),)},
    {"schedule": ("只有一条",)}, {"result_ids": (999_999,)},
])
def test_bad_application_content_is_refused(world, change):
    user = world["university"]
    application = services.start_application(user, world["challenge"], now=NOW)
    with pytest.raises(services.ChallengeError):
        services.update_application(user, application, application_data(**change), now=NOW)
    assert application.plan == "" and application.budget_fen is None


def test_only_the_applicant_changes_and_only_operators_check(world):
    application = submitted(world["university"], world["challenge"])
    for outsider in (world["institute"], world["issuer"]):
        with pytest.raises(NotAllowed):
            services.withdraw_application(outsider, application, now=NOW)
    with pytest.raises(NotAllowed):
        services.formal_check(world["issuer"], application, True, None)
