"""Random input to the challenge forms and actions: never a 5xx, and a refused submission writes nothing.
(`login` brings the test transaction; the tests take no `db` argument so that a falsifying example prints.)"""
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_org, make_user
from tests.fuzzing import FUZZ, count, maybe_code
from tests.tt_platform.challenges.helpers import live_window, published
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges.models import Application, Challenge, Payment, Score
from tt_platform.database import db

amounts = st.one_of(maybe_code, st.sampled_from(["1e400", "NaN", "Infinity", "-5", "0.001", "100", "12.5"]))
CHALLENGE_FIELDS = ["title", "goal", "field_code", "region_code", "bounty_wan", "opens_on", "opens_time", "closes_on",
                    "closes_time", "eligible_kinds", "eligible_regions", "selection_mode", "race_teams",
                    "indicators-0-name", "indicators-0-target", "indicators-0-verification", "milestones-0-title",
                    "milestones-0-deliverable", "milestones-0-share", "milestones-0-months", "rubric-0-name",
                    "rubric-0-weight", "rubric-0-max_score", "action"]


@FUZZ
@given(data=st.dictionaries(st.sampled_from(CHALLENGE_FIELDS), amounts, max_size=24))
def test_the_challenge_form_never_fails_badly(login, data):
    client = login(make_user(make_org(), admin=True))
    before = count(db, Challenge)
    response = client.post("/challenges/new", data=data)
    assert response.status_code in (200, 302, 422)
    if response.status_code != 302:
        assert count(db, Challenge) == before


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["plan", "budget_wan", "team-0-name", "team-0-role", "team-0-title",
                                             "schedule-0-plan", "schedule-5-plan", "result_ids", "action"]),
                            amounts, max_size=9))
def test_the_application_form_never_fails_badly(login, data):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **live_window())
    applicant = make_user(make_org(OrgKind.UNIVERSITY))
    client = login(applicant)
    client.post(f"/challenges/{challenge.id}/apply")
    # hypothesis runs every example in the same test transaction: find this example's application
    application = db.session.scalar(db.select(Application).where(Application.challenge_id == challenge.id))
    response = client.post(f"/challenges/applications/{application.id}/edit", data=data)
    assert response.status_code in (200, 302, 422)


@FUZZ
@given(points=st.lists(amounts, max_size=4), comment=maybe_code, amount=amounts, day=maybe_code, ref=maybe_code)
def test_scores_and_payments_never_fail_badly(login, points, comment, amount, day, ref):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **live_window())
    db.session.commit()
    client = login(issuer)
    data = {f"points-{i}": p for i, p in enumerate(points)} | {"comment": comment}
    before = count(db, Score), count(db, Payment)
    assert client.post("/challenges/applications/1/score", data=data).status_code in (302, 403, 404, 422)
    assert client.post("/challenges/milestones/1/payments", data={"amount_wan": amount, "paid_on": day,
                                                                  "reference": ref}).status_code in (302, 404)
    assert client.post(f"/challenges/{challenge.id}/defence", data={"day": day, "time": ref, "minutes": amount,
                                                                    "place": comment}).status_code in (302, 403)
    assert client.post(f"/challenges/{challenge.id}/select", data={"application_ids": points,
                                                                   "justification": comment}).status_code == 302
    assert (count(db, Score), count(db, Payment)) == before
