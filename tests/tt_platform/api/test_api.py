"""The /api/v1 JSON API: OpenAPI document, tokens, the contract → registration → statistics flow."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from tests.factories import make_broker, make_operator, make_org, make_registrar, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.api import tokens
from tt_platform.database import db


def test_openapi_document_is_valid_and_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


@pytest.fixture
def world(db):
    seller = make_org(OrgKind.UNIVERSITY, region_code="330106")
    buyer = make_org(region_code="440300")
    people = {"broker": make_broker(), "registrar": make_registrar(), "seller": make_user(seller),
              "outsider": make_user(make_org()), "operator": make_operator()}
    bearer = {}
    for name, user in people.items():
        _token, secret = tokens.issue(user, "test")
        bearer[name] = {"Authorization": f"Bearer {secret}"}
    db.session.commit()
    return people, bearer, seller, buyer


def contract_body(seller, buyer):
    return {"name": "储能电池管理软件许可合同", "subtype_code": "LIC-03", "field_code": "T06",
            "payment_mode": "royalty",
            "signed_on": "2026-06-01", "seller": {"organisation_id": seller.id}, "buyer": {"organisation_id": buyer.id},
            "items": [{"description": "许可使用费", "amount_yuan": "300000.10"},
                      {"description": "服务器", "amount_fen": 5_000_000, "is_technical": False}]}


def test_contract_registration_and_statistics_through_the_api(world, client):
    people, bearer, seller, buyer = world
    created = client.post("/api/v1/contracts", json=contract_body(seller, buyer), headers=bearer["broker"])
    assert created.status_code == 201, created.get_json()
    contract = created.get_json()
    assert (contract["total_fen"], contract["tech_fen"], contract["total_wan"]) == (35_000_010, 30_000_010, "35.00")
    cid = contract["id"]
    assert client.get(f"/api/v1/contracts/{cid}", headers=bearer["outsider"]).status_code == 404
    assert client.post(f"/api/v1/contracts/{cid}/submit", headers=bearer["broker"]).status_code == 200
    refused = client.post(f"/api/v1/contracts/{cid}/decision", json={"decision": "register"},
                          headers=bearer["seller"])
    assert refused.status_code == 403 and refused.get_json()["error"]
    queue = client.get("/api/v1/registrations", headers=bearer["registrar"]).get_json()["items"]
    assert [c["id"] for c in queue] == [cid]
    registered = client.post(f"/api/v1/contracts/{cid}/decision", json={"decision": "register"},
                             headers=bearer["registrar"]).get_json()
    assert registered["status"] == "registered" and len(registered["registration_number"]) == 16
    table = client.get("/api/v1/stats/by_type", headers=bearer["operator"]).get_json()
    assert table["totals"]["tech_fen"] == 30_000_010 and table["rows"][0]["label"] == "技术许可"
    old = client.get("/api/v1/stats/by_type?view=pre2021", headers=bearer["operator"]).get_json()
    assert old["rows"][0]["label"] == "技术转让"
    assert client.get("/api/v1/stats/by_type", headers=bearer["seller"]).status_code == 403


@pytest.mark.parametrize(("body", "fragment"), [
    (None, "JSON"),
    ({"items": "x"}, "items"),
    ({"items": [{"description": "x", "amount_yuan": 1.5}]}, "amount_yuan"),
])
def test_bad_bodies_get_400_with_a_message(world, client, body, fragment):
    people, bearer, seller, buyer = world
    full = {**contract_body(seller, buyer), **(body or {})}
    response = client.post("/api/v1/contracts", json=full if body is not None else None, data=None if body else "x",
                           headers=bearer["broker"])
    assert response.status_code == 400 and fragment in response.get_json()["error"]


def test_authentication(world, client, app):
    people, bearer, seller, buyer = world
    anonymous = client.get("/api/v1/contracts")
    assert anonymous.status_code == 401 and anonymous.is_json
    assert client.get("/api/v1/contracts", headers={"Authorization": "Bearer ttp_wrong"}).status_code == 401
    token = tokens.of(people["broker"])[0]
    tokens.revoke(people["broker"], token.id)
    db.session.commit()
    assert client.get("/api/v1/contracts", headers=bearer["broker"]).status_code == 401
    # a browser session must send the CSRF token for writes; a bearer token need not
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        session_client = app.test_client(user=people["seller"])
        assert session_client.post("/api/v1/contracts", json=contract_body(seller, buyer)).status_code == 400
        assert client.post("/api/v1/contracts", json=contract_body(seller, buyer),
                           headers=bearer["seller"]).status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_token_page_shows_a_new_secret_once(world, login):
    people, *_rest = world
    page = login(people["outsider"]).post("/account/tokens/", data={"name": "导出脚本"}).get_data(as_text=True)
    secret = re.search(r'<code id="new-token">(ttp_[\w-]+)</code>', page).group(1)
    assert tokens.user_for(secret).id == people["outsider"].id
    again = login(people["outsider"]).get("/account/tokens/").get_data(as_text=True)
    assert secret not in again and "导出脚本" in again


def test_cases_through_the_api(world, client):
    from tests.factories import make_achievement, make_demand

    people, bearer, seller, buyer = world
    demand, result = make_demand(buyer), make_achievement(seller)
    db.session.commit()
    case = client.post("/api/v1/cases", json={"demand_ids": [demand.id], "result_ids": [result.id]},
                       headers=bearer["broker"])
    assert case.status_code == 201
    cid = case.get_json()["id"]
    moved = client.post(f"/api/v1/cases/{cid}/stage", json={"stage": "contact"}, headers=bearer["broker"])
    assert moved.get_json()["stage"] == "contact"
    assert client.get(f"/api/v1/cases/{cid}", headers=bearer["outsider"]).status_code == 404
    assert client.post("/api/v1/cases", json={"demand_ids": [demand.id]}, headers=bearer["seller"]).status_code == 403


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-5", "1e30", "12.345"])
def test_odd_amounts_are_refused(world, client, amount):
    people, bearer, seller, buyer = world
    body = contract_body(seller, buyer)
    body["items"][0]["amount_yuan"] = amount
    response = client.post("/api/v1/contracts", json=body, headers=bearer["broker"])
    assert response.status_code == 400 and response.get_json()["error"]


def test_a_token_records_its_use_to_the_minute_without_a_write_per_call(world, client):
    """Each call with a token is no write of its own: "last used" moves when it is a minute old, so that
    concurrent calls with one token (a bidding tool) do not queue on the token's row."""
    import datetime as dt

    import sqlalchemy as sa

    from tt_platform.api.models import ApiToken

    people, bearer, *_rest = world
    token = tokens.of(people["broker"])[0]
    assert token.last_used_at is None
    updates = []

    def count_token_updates(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
            updates.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count_token_updates)
    try:
        for _ in range(3):
            assert client.get("/api/v1/contracts", headers=bearer["broker"]).status_code == 200
        assert len(updates) == 1
        first = db.session.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.id == token.id))
        assert first is not None
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id)
                           .values(last_used_at=first - dt.timedelta(minutes=2)))
        assert client.get("/api/v1/contracts", headers=bearer["broker"]).status_code == 200
        assert len(updates) == 3  # the test's own UPDATE, then the call's
        later = db.session.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.id == token.id))
        assert later >= first
    finally:
        sa.event.remove(engine, "before_cursor_execute", count_token_updates)
