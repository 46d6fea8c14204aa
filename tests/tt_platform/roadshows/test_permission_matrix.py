"""Role × owner matrix over the roadshow routes, for a published and an unpublished event."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_broker, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.roadshows import services
from tt_platform.roadshows.models import Registration, RegistrationStatus

VIEWERS = ["anonymous", "organiser", "organiser_colleague", "registrant", "enterprise", "university", "other_broker",
           "operator"]
ORGANISERS = {"organiser", "organiser_colleague"}
#: (method, suffix, data, kind)
ROUTES = [
    ("GET", "", None, "view"),
    ("GET", "/edit", None, "manage"),
    ("GET", "/agenda", None, "manage"),
    ("POST", "/publish", {"published": "1"}, "manage"),
    ("POST", "/registrations/REG", {"decision": "approve"}, "manage"),
    ("GET", "/invitation.ics", None, "registrant"),
]


def expected(viewer: str, published: bool, method: str, kind: str) -> int:
    visible = published or viewer in ORGANISERS
    if viewer == "anonymous" and (kind != "view"):
        return 302
    if not visible:
        return 404
    if kind == "view":
        return 200
    if kind == "manage":
        if viewer not in ORGANISERS:
            return 403
        return 200 if method == "GET" else 302
    return 200 if viewer == "registrant" else 404  # only an approved registration has an invitation


@pytest.fixture(params=[True, False], ids=["published", "unpublished"])
def world(request, db):
    agency = make_org(OrgKind.AGENCY)
    registrant_org = make_org()
    people = {"organiser": make_broker(agency), "organiser_colleague": make_user(agency),
              "registrant": make_user(registrant_org), "enterprise": make_user(make_org()),
              "university": make_user(make_org(OrgKind.UNIVERSITY)), "other_broker": make_broker(),
              "operator": make_operator()}
    start = dt.datetime(2026, 12, 10, 6, 0, tzinfo=dt.UTC)
    roadshow = services.create(people["organiser"], services.RoadshowData(
        title="矩阵路演", theme="测试用的路演主题", starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=50,
        registration_opens_on=dt.date(2026, 11, 1), registration_closes_on=dt.date(2026, 12, 9), venue="会议室"))
    registration = Registration(organisation_id=registrant_org.id, user_id=people["registrant"].id,
                                status=RegistrationStatus.APPROVED)
    other = Registration(organisation_id=make_org().id, user_id=people["enterprise"].id,
                         status=RegistrationStatus.PENDING)
    roadshow.registrations.extend([registration, other])
    roadshow.is_published = request.param
    db.session.commit()
    return people, roadshow, other.id, request.param


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "suffix", "data", "kind"), ROUTES,
                         ids=[f"{m} {s or '/'}" for m, s, _d, _k in ROUTES])
def test_roadshow_route(world, app, viewer, method, suffix, data, kind):
    people, roadshow, pending_id, published = world
    client = app.test_client(user=people[viewer]) if viewer != "anonymous" else app.test_client()
    url = f"/roadshows/{roadshow.id}{suffix.replace('REG', str(pending_id))}"
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == expected(viewer, published, method, kind)
