"""Roadshows: the event, agenda suggestions from registrants' demands, registration with approval and
.ics invitation, check-in, intentions → cases, and the event report."""
from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from tests.factories import make_achievement, make_broker, make_demand, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.brokerage.models import Case
from tt_platform.database import db
from tt_platform.indexing import sync
from tt_platform.roadshows import services
from tt_platform.roadshows.models import RegistrationStatus
from tt_platform.security import NotAllowed

# The event is two weeks ahead of the day the tests run, so the pages (which read the clock) find its
# registration open; the service tests pass TODAY, which is inside the window.
START = dt.datetime.now(dt.UTC).replace(hour=6, minute=0, second=0, microsecond=0) + dt.timedelta(days=15)
TODAY = START.date() - dt.timedelta(days=15)


def event_data(**kw) -> services.RoadshowData:
    start, day = START, dt.timedelta(days=1)  # 14:00 Beijing time
    base = dict(title="新能源科技成果直通车", theme="面向风电与储能企业的科技成果专场路演", starts_at=start,
                ends_at=start + dt.timedelta(hours=3), capacity=5, registration_opens_on=start.date() - 39 * day,
                registration_closes_on=start.date() - day, field_code="T06", venue="示范市科技大厦三楼报告厅",
                requires_approval=True)
    base.update(kw)
    return services.RoadshowData(**base)


@pytest.fixture
def world(db, index):
    agency = make_org(OrgKind.AGENCY)
    organiser = make_broker(agency)
    uni = make_org(OrgKind.UNIVERSITY)
    ice = make_achievement(uni, title="风力发电机叶片覆冰监测方法", keywords="覆冰,叶片,光纤传感", field_code="T06",
                           description="基于光纤光栅的叶片结冰厚度在线监测")
    battery = make_achievement(uni, title="储能锂离子电池热失控预警", keywords="锂离子电池,热失控", field_code="T06")
    enterprise = make_org()
    make_demand(enterprise, title="风电叶片结冰监测与除冰", keywords="结冰,除冰,风电", field_code="T06",
                problem="冬季风机叶片覆冰导致停机")
    sync.rebuild()
    return {"organiser": organiser, "ice": ice, "battery": battery, "enterprise_user": make_user(enterprise),
            "outsider": make_user(make_org()), "university_user": make_user(uni)}


def test_only_operators_and_agencies_organise(world):
    with pytest.raises(NotAllowed):
        services.create(world["enterprise_user"], event_data())
    assert services.create(make_operator(), event_data()).id


@pytest.mark.parametrize(("change", "message"), [
    ({"ends_at": START - dt.timedelta(hours=1)}, "结束"),
    ({"venue": None, "online_url": None}, "线上"),
    ({"online_url": "javascript:alert(1)"}, "https"),
    ({"registration_closes_on": START.date() + dt.timedelta(days=1)}, "报名"),
])
def test_bad_events_are_refused(world, change, message):
    with pytest.raises(services.RoadshowError, match=message):
        services.create(world["organiser"], event_data(**change))


def test_full_roadshow_flow(world):
    roadshow = services.create(world["organiser"], event_data())
    with pytest.raises(NotAllowed):
        services.register(world["enterprise_user"], roadshow, 2, TODAY)  # not published yet
    services.set_published(world["organiser"], roadshow, True)
    registration = services.register(world["enterprise_user"], roadshow, 2, TODAY)
    assert registration.status is RegistrationStatus.PENDING
    with pytest.raises(services.RoadshowError):
        services.register(world["enterprise_user"], roadshow, 1, TODAY)  # already registered
    with pytest.raises(services.RoadshowError):
        services.register(make_user(make_org()), roadshow, 4, TODAY)  # 2 + 4 > 5 seats
    with pytest.raises(services.RoadshowError):
        services.register(make_user(make_org()), roadshow, 1, START.date() + dt.timedelta(days=10))  # window closed
    with pytest.raises(NotAllowed):
        services.register(world["university_user"], roadshow, 1, TODAY)  # enterprises register

    # the agenda is suggested from the registrant's demand, with the reason
    suggestions = services.suggest_agenda(roadshow)
    assert suggestions and suggestions[0].result.id == world["ice"].id
    assert "风电叶片结冰监测与除冰" in suggestions[0].reasons[0][1]
    services.add_slot(world["organiser"], roadshow, world["ice"], "王教授", 20)
    services.add_slot(world["organiser"], roadshow, world["battery"], "", 15)
    assert [s.achievement_id for s in roadshow.slots] == [world["ice"].id, world["battery"].id]
    services.move_slot(world["organiser"], roadshow, roadshow.slots[1].id, -1)
    assert [s.achievement_id for s in roadshow.slots] == [world["battery"].id, world["ice"].id]
    assert roadshow.slots[1].starts_at == roadshow.starts_at + dt.timedelta(minutes=15)
    assert world["ice"].id not in {s.result.id for s in services.suggest_agenda(roadshow)}

    with pytest.raises(NotAllowed):
        services.decide_registration(world["enterprise_user"], registration, True)
    services.decide_registration(world["organiser"], registration, True)
    services.check_in(world["organiser"], registration)
    assert registration.checked_in_at is not None

    with pytest.raises(services.RoadshowError):  # before the event
        services.record_intention(world["enterprise_user"], roadshow, world["ice"].id, "strong", "",
                                  roadshow.starts_at - dt.timedelta(hours=1))
    after = roadshow.ends_at + dt.timedelta(hours=1)
    intention = services.record_intention(world["enterprise_user"], roadshow, world["ice"].id, "strong",
                                          "希望到现场考察", after)
    with pytest.raises(services.RoadshowError):
        services.record_intention(world["enterprise_user"], roadshow, 999_999, "strong", "", after)
    case = services.intention_to_case(world["organiser"], intention)
    assert case.source == "roadshow" and case.roadshow_id == roadshow.id and intention.case_id == case.id
    assert world["ice"] in case.results and case.demands
    with pytest.raises(services.RoadshowError):
        services.intention_to_case(world["organiser"], intention)
    db.session.flush()
    report = services.report(roadshow)
    assert (report.registrations["approved"], report.checked_in, report.intentions, report.cases) == (1, 1, 1, 1)
    assert db.session.get(Case, case.id) is not None


def test_pages_invitation_and_permissions(world, login, client):
    roadshow = services.create(world["organiser"], event_data(requires_approval=False))
    db.session.commit()
    assert client.get(f"/roadshows/{roadshow.id}").status_code == 404  # unpublished
    organiser = login(world["organiser"])
    assert organiser.get(f"/roadshows/{roadshow.id}/agenda").status_code == 200
    organiser.post(f"/roadshows/{roadshow.id}/publish", data={"published": "1"})
    page = client.get(f"/roadshows/{roadshow.id}").get_data(as_text=True)
    assert "新能源科技成果直通车" in page and f"{START + dt.timedelta(hours=8):%Y-%m-%d} 14:00" in page  # Beijing time
    enterprise = login(world["enterprise_user"])
    assert enterprise.post(f"/roadshows/{roadshow.id}/register", data={"attendees": "2"}).status_code == 302
    ics = enterprise.get(f"/roadshows/{roadshow.id}/invitation.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    event = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]
    assert str(event["summary"]) == "新能源科技成果直通车"
    assert event.decoded("dtstart") == roadshow.starts_at and "报告厅" in str(event["location"])
    assert login(world["outsider"]).get(f"/roadshows/{roadshow.id}/invitation.ics").status_code == 404
    for url in (f"/roadshows/{roadshow.id}/agenda", f"/roadshows/{roadshow.id}/edit"):
        assert enterprise.get(url).status_code == 403
    assert enterprise.post(f"/roadshows/{roadshow.id}/publish", data={"published": "0"}).status_code == 403
    registration = roadshow.registrations[0]
    assert enterprise.post(f"/roadshows/{roadshow.id}/registrations/{registration.id}",
                           data={"decision": "checkin"}).status_code == 403
    assert organiser.post(f"/roadshows/{roadshow.id}/registrations/{registration.id}",
                          data={"decision": "checkin"}).status_code == 302
    assert registration.checked_in_at is not None


def test_the_agenda_page_works_without_the_matching_engine(world, app, index):
    """An index waiting for its rebuild refuses ranked reads: the organiser still edits the agenda, and is
    told why there are no suggestions (it was a 500)."""
    roadshow = services.create(world["organiser"], event_data())
    services.set_published(world["organiser"], roadshow, True)
    services.register(world["enterprise_user"], roadshow, 2, TODAY)
    db.session.commit()
    client = app.test_client(user=world["organiser"])
    assert "风力发电机叶片覆冰监测方法" in client.get(f"/roadshows/{roadshow.id}/agenda").get_data(as_text=True)
    index.mark_incomplete("a rebuild is due")
    try:
        page = client.get(f"/roadshows/{roadshow.id}/agenda")
    finally:
        index.mark_complete()
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "匹配引擎" in body and "风力发电机叶片覆冰监测方法" not in body
    assert "议程还是空的。" in body  # the agenda part of the page is there
