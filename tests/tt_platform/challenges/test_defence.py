"""答辩: a slot per applicant with an .ics, and score revisions with a reason after the defence, kept in
the history."""
from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from tests.factories import make_user
from tests.tt_platform.challenges.helpers import AFTER_CLOSE, reviewed
from tt_platform.challenges import scoring, services
from tt_platform.challenges.models import Score
from tt_platform.database import utcnow
from tt_platform.security import NotAllowed

SLOT = AFTER_CLOSE + dt.timedelta(days=1)


def test_slots_and_revisions(db):
    issuer, challenge, (a, b) = reviewed()
    with pytest.raises(NotAllowed):
        services.schedule_defence(make_user(), challenge, a.id, SLOT, 30, "会议室", now=AFTER_CLOSE)
    with pytest.raises(services.ChallengeError):
        services.schedule_defence(issuer, challenge, a.id, AFTER_CLOSE - dt.timedelta(hours=2), 30, "会议室",
                                  now=AFTER_CLOSE)  # in the past
    slot = services.schedule_defence(issuer, challenge, a.id, SLOT, 30, "科技大厦 301", now=AFTER_CLOSE)
    with pytest.raises(services.ChallengeError):
        services.schedule_defence(issuer, challenge, b.id, SLOT + dt.timedelta(minutes=10), 30, "301",
                                  now=AFTER_CLOSE)  # overlaps
    with pytest.raises(services.ChallengeError):
        services.schedule_defence(issuer, challenge, a.id, SLOT + dt.timedelta(hours=2), 30, "301",
                                  now=AFTER_CLOSE)  # one per applicant
    score = db.session.scalar(db.select(Score).where(Score.application_id == a.id))
    expert = score.expert
    with pytest.raises(services.ChallengeError):
        services.revise_score(expert, score, [5, 5, 5], "答辩后调整", "答辩表现一般", now=SLOT)  # not over yet
    with pytest.raises(NotAllowed):
        services.revise_score(issuer, score, [5, 5, 5], "答辩后调整", "答辩表现一般", now=slot.ends_at)
    with pytest.raises(services.ChallengeError):
        services.revise_score(expert, score, [5, 5, 11], "答辩后调整", "答辩表现一般", now=slot.ends_at)
    with pytest.raises(services.ChallengeError):
        services.revise_score(expert, score, [5, 5, 5], "答辩后调整", "", now=slot.ends_at)
    old = list(score.points)
    revision = services.revise_score(expert, score, [5, 5, 5], "答辩后调整", "答辩暴露关键工艺未验证",
                                     now=slot.ends_at)
    assert score.points == [5, 5, 5] and revision.old_points == old and revision.reason.startswith("答辩")
    assert scoring.expert_score(challenge.rubric, score.points) == 50


def test_the_defence_pages_and_ics(db, login):
    issuer, challenge, (a, b) = reviewed()
    challenge.closes_at = utcnow() - dt.timedelta(days=1)
    team, outsider = a.organisation.memberships[0].user, make_user()
    db.session.commit()
    owner = login(issuer)
    assert owner.get(f"/challenges/{challenge.id}/defence").status_code == 200
    assert login(outsider).get(f"/challenges/{challenge.id}/defence").status_code == 403
    tomorrow = (utcnow() + dt.timedelta(days=2)).date()
    owner.post(f"/challenges/{challenge.id}/defence", data={"application_id": str(a.id), "day": str(tomorrow),
                                                            "time": "09:30", "minutes": "40", "place": "线上会议"})
    bad = owner.post(f"/challenges/{challenge.id}/defence", data={"application_id": str(b.id), "day": "x",
                                                                  "time": "09:30", "minutes": "40", "place": "线上"},
                     follow_redirects=True)
    assert "日期" in bad.text
    slot = services.defence_slots(challenge)[0]
    assert slot.starts_at.hour == 1 and slot.starts_at.minute == 30  # 09:30 Beijing
    calendar = icalendar.Calendar.from_ical(login(team).get(f"/challenges/defence/{slot.id}.ics").data)
    event = next(iter(calendar.walk("VEVENT")))
    assert "答辩" in str(event["summary"]) and str(event["location"]) == "线上会议"
    assert login(outsider).get(f"/challenges/defence/{slot.id}.ics").status_code == 404
    assert "答辩" in login(team).get(f"/challenges/applications/{a.id}").text


def test_revising_through_the_score_page(db, login):
    issuer, challenge, (a, _b) = reviewed()
    challenge.closes_at = utcnow() - dt.timedelta(days=1)
    slot = services.schedule_defence(issuer, challenge, a.id, utcnow() + dt.timedelta(hours=1), 30, "301")
    slot.starts_at = utcnow() - dt.timedelta(hours=2)  # the defence is over
    score = db.session.scalar(db.select(Score).where(Score.application_id == a.id))
    db.session.commit()
    client = login(score.expert)
    page = client.get(f"/challenges/applications/{a.id}/score").text
    assert "revise-form" in page
    refused = client.post(f"/challenges/scores/{score.id}/revise", data={
        "points-0": "6", "points-1": "6", "points-2": "6", "comment": "调整", "reason": ""}, follow_redirects=True)
    assert "修改理由" in refused.text and score.points != [6, 6, 6]
    client.post(f"/challenges/scores/{score.id}/revise", data={
        "points-0": "6", "points-1": "6", "points-2": "6", "comment": "调整", "reason": "答辩中数据不完整"})
    assert score.points == [6, 6, 6] and len(score.revisions) == 1
    assert "答辩中数据不完整" in client.get(f"/challenges/applications/{a.id}/score").text
    assert login(issuer).post(f"/challenges/scores/{score.id}/revise", data={}).status_code == 404
