"""Export of a roadshow's registrations: the organiser's panel as a spreadsheet, organisers only."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_broker, make_operator, make_org, make_user
from tests.sheets import column, csv_rows, download_name, label, records, xlsx_rows
from tt_platform import taxonomy
from tt_platform.accounts.models import OrgKind
from tt_platform.roadshows import services
from tt_platform.roadshows.models import Registration, RegistrationStatus


@pytest.fixture(params=[True, False], ids=["published", "unpublished"])
def world(request, db):
    agency = make_org(OrgKind.AGENCY)
    coming = make_org(name="报名企业甲", region_code="440300")
    waiting = make_org(name="@报名企业乙")
    people = {"organiser": make_broker(agency), "colleague": make_user(agency), "registrant": make_user(coming),
              "enterprise": make_user(make_org()), "other_broker": make_broker(), "operator": make_operator()}
    start = dt.datetime(2026, 12, 10, 6, 0, tzinfo=dt.UTC)
    roadshow = services.create(people["organiser"], services.RoadshowData(
        title="导出测试路演", theme="测试用的路演主题", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        capacity=50, registration_opens_on=dt.date(2026, 11, 1), registration_closes_on=dt.date(2026, 12, 9),
        venue="会议室"))
    roadshow.registrations.extend([
        Registration(organisation_id=coming.id, user_id=people["registrant"].id, attendees=3,
                     status=RegistrationStatus.APPROVED, checked_in_at=start),
        Registration(organisation_id=waiting.id, user_id=people["enterprise"].id, status=RegistrationStatus.PENDING)])
    roadshow.is_published = request.param
    db.session.commit()
    return people, roadshow


@pytest.mark.parametrize("viewer", ["organiser", "colleague"])
def test_organisers_export_every_registration(app, login, world, viewer):
    people, roadshow = world
    url = f"/roadshows/{roadshow.id}/registrations/export.xlsx"
    rows = xlsx_rows(login(people[viewer]).get(url), header_row=2)  # the roadshow's title on the first row
    by_org = {r[label(app, "Organisation")]: r for r in records(rows)}
    assert set(by_org) == {"报名企业甲", "'@报名企业乙"}
    row = by_org["报名企业甲"]
    assert row[label(app, "Attendees")] == 3
    assert row[label(app, "Status code")] == "approved"
    assert row[label(app, "Status")] == RegistrationStatus.APPROVED.label
    assert (row[label(app, "Region code")], row[label(app, "Region")]) == ("440300", taxonomy.region_label("440300"))
    assert row[label(app, "Checked in at")] == dt.datetime(2026, 12, 10, 14, 0)  # Beijing time
    assert by_org["'@报名企业乙"][label(app, "Checked in at")] is None
    csv_response = login(people[viewer]).get(url.replace(".xlsx", ".csv"))
    assert len(csv_rows(csv_response)) == 3
    assert download_name(csv_response).startswith("导出测试路演-")


@pytest.mark.parametrize("viewer", ["registrant", "enterprise", "other_broker", "operator"])
def test_others_get_403_or_404_like_the_organiser_tools(login, world, viewer):
    people, roadshow = world
    response = login(people[viewer]).get(f"/roadshows/{roadshow.id}/registrations/export.csv")
    assert response.status_code == (403 if roadshow.is_published else 404)
    assert "报名企业甲" not in response.get_data(as_text=True)


def test_anonymous_and_unknown(client, login, world):
    people, roadshow = world
    assert client.get(f"/roadshows/{roadshow.id}/registrations/export.csv").status_code == 302
    organiser = login(people["organiser"])
    assert organiser.get("/roadshows/999999/registrations/export.csv").status_code == 404
    assert organiser.get(f"/roadshows/{roadshow.id}/registrations/export.pdf").status_code == 404
    page = organiser.get(f"/roadshows/{roadshow.id}").get_data(as_text=True)
    assert f"/roadshows/{roadshow.id}/registrations/export.xlsx" in page
    visitor = login(people["enterprise"]).get(f"/roadshows/{roadshow.id}")
    assert "registrations/export" not in visitor.get_data(as_text=True)
    assert column(csv_rows(organiser.get(f"/roadshows/{roadshow.id}/registrations/export.csv")),
                  label(client.application, "Attendees")) == ["3", "1"]
