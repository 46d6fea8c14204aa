"""409 Conflict (issue 21): a write the object's current state refuses — decided already, moved by someone
else first, registered already, its period over — answers 409 with a message in the caller's language;
a request that is wrong in itself stays 400. The OpenAPI document says so on each of these operations."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_achievement, make_broker, make_org, make_registrar, make_user
from tests.tt_platform.api.test_api import contract_body
from tt_platform.accounts.models import OrgKind
from tt_platform.api import tokens
from tt_platform.database import db, utcnow
from tt_platform.roadshows import services as roadshows
from tt_platform.trading import notices, pricelistings


def bearer_for(user) -> dict:
    _token, secret = tokens.issue(user, "conflicts")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def people(db):
    university, enterprise = make_org(OrgKind.UNIVERSITY, region_code="330106"), make_org()
    users = {"seller": make_user(university, admin=True), "buyer": make_user(enterprise, admin=True),
             "broker": make_broker(), "registrar": make_registrar()}
    headers = {name: bearer_for(user) for name, user in users.items()}
    db.session.commit()
    return users, headers, university, enterprise


def answer(response) -> tuple[int, int]:
    body = response.get_json()
    assert body["error"], body  # a message, never an empty refusal
    return response.status_code, body["status"]


def test_a_contract_decided_already_is_409(people, client):
    users, headers, university, enterprise = people
    created = client.post("/api/v1/contracts", json=contract_body(university, enterprise), headers=headers["broker"])
    cid = created.get_json()["id"]
    assert client.post(f"/api/v1/contracts/{cid}/submit", headers=headers["broker"]).status_code == 200
    again = client.post(f"/api/v1/contracts/{cid}/submit", headers=headers["broker"])
    assert answer(again) == (409, 409)
    assert "不能" in again.get_json()["error"] or "not possible" in again.get_json()["error"]
    # a change to a submitted contract: its author is told its state (409), a party who never could 403
    change = client.put(f"/api/v1/contracts/{cid}", json=contract_body(university, enterprise),
                        headers=headers["broker"])
    assert answer(change) == (409, 409) and "待认定登记" in change.get_json()["error"]
    buyer_side = bearer_for(make_user(enterprise))
    db.session.commit()
    assert answer(client.put(f"/api/v1/contracts/{cid}", json=contract_body(university, enterprise),
                             headers=buyer_side)) == (403, 403)
    decide = f"/api/v1/contracts/{cid}/decision"
    assert answer(client.post(decide, json={"decision": "maybe"}, headers=headers["registrar"])) == (400, 400)
    assert client.post(decide, json={"decision": "register"}, headers=headers["registrar"]).status_code == 200
    assert answer(client.post(decide, json={"decision": "register"}, headers=headers["registrar"])) == (409, 409)
    # a reason not on the list is the request's fault, whatever the contract's state
    assert answer(client.post(decide, json={"decision": "refuse", "reason": "x"},
                              headers=headers["registrar"])) == (400, 400)
    assert answer(client.post(decide, json={"decision": "refuse", "reason": "labour"},
                              headers=headers["registrar"])) == (409, 409)


def test_a_stage_that_does_not_exist_is_400(people, client):
    """(A move lost to another: tests/tt_platform/brokerage/test_concurrency.py, on PostgreSQL.)"""
    users, headers, university, enterprise = people
    result = make_achievement(university)
    db.session.commit()
    case = client.post("/api/v1/cases", json={"result_ids": [result.id]}, headers=headers["broker"]).get_json()
    stage = f"/api/v1/cases/{case['id']}/stage"
    assert answer(client.post(stage, json={"stage": "nowhere"}, headers=headers["broker"])) == (400, 400)
    assert client.post(stage, json={"stage": "contact"}, headers=headers["broker"]).status_code == 200


def test_registering_twice_or_objecting_twice_is_409_a_bad_body_400(people, client):
    users, headers, university, enterprise = people
    seller = users["seller"]
    listing = pricelistings.post(seller, make_achievement(university), pricelistings.ListingData(
        price_fen=1_000_000, subtype_code="LIC-01", exclusive=True, payment_mode="lump_sum", working_days=10,
        contact="李老师 010-66668888"))
    notice = notices.post(seller, make_achievement(university), notices.NoticeData(
        buyer_credit_code=enterprise.credit_code, price_fen=1_000_000, subtype_code="TRF-01", notice_days=15,
        contact="王老师 0571-88880000"))
    now = utcnow()
    roadshow = roadshows.create(users["broker"], roadshows.RoadshowData(
        title="冲突路演", theme="测试用的路演主题", starts_at=now + dt.timedelta(days=9),
        ends_at=now + dt.timedelta(days=9, hours=2), capacity=3, venue="会议室",
        registration_opens_on=now.date() - dt.timedelta(days=1),
        registration_closes_on=now.date() + dt.timedelta(days=5)))
    roadshows.set_published(users["broker"], roadshow, True)
    db.session.commit()

    interest = f"/api/v1/listings/{listing.id}/interest"
    assert answer(client.post(interest, headers=headers["seller"])) == (400, 400)  # never: its own listing
    assert client.post(interest, headers=headers["buyer"]).status_code == 201
    twice = client.post(interest, headers=headers["buyer"])
    assert answer(twice) == (409, 409) and twice.get_json()["error"] == "贵单位已登记。"

    objection = f"/api/v1/notices/{notice.id}/objections"
    assert answer(client.post(objection, json={"text": "太短"}, headers=headers["buyer"])) == (400, 400)
    text = {"text": "价格明显低于市场水平，请说明依据。"}
    assert client.post(objection, json=text, headers=headers["buyer"]).status_code == 201
    assert answer(client.post(objection, json=text, headers=headers["buyer"])) == (409, 409)

    register = f"/api/v1/roadshows/{roadshow.id}/registrations"
    assert answer(client.post(register, json={"attendees": 0}, headers=headers["buyer"])) == (400, 400)
    assert client.post(register, json={"attendees": 2}, headers=headers["buyer"]).status_code == 201
    assert answer(client.post(register, json={"attendees": 1}, headers=headers["buyer"])) == (409, 409)
    # the seats are gone for another enterprise: the roadshow's state, not its request
    other = make_user(make_org(), admin=True)
    other_headers = bearer_for(other)
    db.session.commit()
    full = client.post(register, json={"attendees": 2}, headers=other_headers)
    assert answer(full) == (409, 409) and "1" in full.get_json()["error"]
    assert db.session.get(type(roadshow), roadshow.id).registrations[0].attendees == 2  # nothing else written


def test_the_openapi_document_names_the_409s(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    conflicts = {(path, method) for path, ops in spec["paths"].items() for method, op in ops.items()
                 if "409" in op["responses"]}
    assert conflicts == {
        ("/cases/{case_id}/stage", "post"), ("/contracts/{contract_id}", "put"),
        ("/contracts/{contract_id}/submit", "post"),
        ("/contracts/{contract_id}/decision", "post"), ("/contracts/{contract_id}/cancel", "post"),
        ("/roadshows/{roadshow_id}/registrations", "post"), ("/notices/{notice_id}/objections", "post"),
        ("/listings/{listing_id}/interest", "post"), ("/auctions/{auction_id}/bids", "post")}
    assert spec["components"]["responses"]["Conflict"]["description"]
