"""Role × owner matrix over every case route."""
from __future__ import annotations

import io

import pytest

from tests.factories import make_achievement, make_broker, make_demand, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.brokerage import services

VIEWERS = ["anonymous", "broker", "agency_admin", "colleague", "demand_side", "supply_side", "other_broker",
           "outsider", "operator"]
MANAGERS = {"broker", "agency_admin"}
PARTICIPANTS = {"demand_side", "supply_side"}
#: (method, suffix, data, kind)
ROUTES = [
    ("GET", "", None, "view"),
    ("POST", "/stage", {"stage": "contact"}, "manage"),
    ("POST", "/notes", {"body": "进展顺利"}, "contribute"),
    ("POST", "/tasks", {"title": "约见", "due_on": "2026-12-01"}, "manage"),
    ("POST", "/documents", "FILE", "contribute"),
    ("POST", "/claim", {}, "claim"),
]


def expected(viewer: str, kind: str) -> int:
    if viewer == "anonymous":
        return 302
    if viewer not in MANAGERS | PARTICIPANTS:
        return 404
    if kind == "view":
        return 200
    if kind == "manage":
        return 302 if viewer in MANAGERS else 403
    if kind == "contribute":
        return 302
    # claim: agency brokers are told it is taken (redirect with a message); participants may not claim
    return 302 if viewer in MANAGERS else 403


@pytest.fixture
def world(db, app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    agency = make_org(OrgKind.AGENCY)
    enterprise, university = make_org(), make_org(OrgKind.UNIVERSITY)
    people = {"broker": make_broker(agency), "agency_admin": make_user(agency, admin=True),
              "colleague": make_broker(agency), "demand_side": make_user(enterprise),
              "supply_side": make_user(university), "other_broker": make_broker(), "outsider": make_user(make_org()),
              "operator": make_operator()}
    case = services.open_case(people["broker"], "矩阵测试", [make_demand(enterprise)], [make_achievement(university)])
    db.session.commit()
    return people, case


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "suffix", "data", "kind"), ROUTES,
                         ids=[f"{m} {s or '/'}" for m, s, _d, _k in ROUTES])
def test_case_route(world, app, viewer, method, suffix, data, kind):
    people, case = world
    client = app.test_client(user=people[viewer]) if viewer != "anonymous" else app.test_client()
    url = f"/cases/{case.id}{suffix}"
    if data == "FILE":
        response = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                               content_type="multipart/form-data")
    else:
        response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == expected(viewer, kind)
