"""Hostile ids (issue 21): huge, negative, non-numeric and non-ASCII ids on every object route, in every
method, for an anonymous visitor, a member and an operator, answer 404, never a 500; the largest id a
row can have (2**31 - 1, PostgreSQL's `integer`) reaches the views, which find nothing."""
from __future__ import annotations

import re

import pytest

from tests.factories import make_broker, make_operator, make_user
from tt_platform.database import MAX_ID, parse_id
from tt_platform.security import OPERATOR, PUBLIC

#: Ids that name no row and must never reach the database: each is a 404 at routing.
OUT_OF_RANGE = ["99999999999999999999", str(2**31), str(2**63), "9" * 5000, "-1", "-0", "abc", "1.5", "1e3",
                "0x1f", "%20", "1%00", "%EF%BC%91%EF%BC%92", "%D9%A1"]  # the last two: fullwidth 12, Arabic-Indic 1
#: for a logged-in caller the route cannot match either (the id is refused before any view runs): three of them
#: are enough there, the whole list runs anonymously
SOME = ["99999999999999999999", "-1", "abc"]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
INT_ARG = re.compile(r"<int:([a-z_]+)>")


def object_routes(app):
    """(rule, method) for every route with an id in its path: 140-odd rules."""
    routes = []
    for rule in app.url_map.iter_rules():
        if INT_ARG.search(rule.rule):
            routes += [(rule, method) for method in sorted(rule.methods & set(METHODS))]
    return routes


def fill(rule, value: str, others: str = "1") -> str:
    """The rule's path with `value` in its last id and `others` in the ids before it (choices such as
    <any(csv, xlsx):fmt> take their first option)."""
    names = INT_ARG.findall(rule.rule)
    path = rule.rule
    for i, name in enumerate(names):
        path = path.replace(f"<int:{name}>", value if i == len(names) - 1 else others)
    path = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", path)
    return path.replace("<entity>", "demand")


@pytest.fixture
def clients(app, db):
    return {"anonymous": app.test_client(), "member": app.test_client(user=make_user()),
            "operator": app.test_client(user=make_operator())}


def test_there_are_object_routes_to_check(app):
    routes = object_routes(app)
    assert len({rule.rule for rule, _ in routes}) > 100  # the walk below covers every one of them
    for path in ("/demands/<int:listing_id>", "/results/<int:listing_id>", "/cases/<int:case_id>",
                 "/contracts/<int:contract_id>", "/roadshows/<int:roadshow_id>", "/orgs/<int:org_id>",
                 "/api/v1/cases/<int:case_id>",
                 "/matches/<kind>/<int:listing_id>", "/api/v1/match/<kind>/<int:listing_id>"):
        assert path in {rule.rule for rule, _ in routes}


@pytest.mark.parametrize("who", ["anonymous", "member", "operator"])
def test_out_of_range_and_non_numeric_ids_are_404_on_every_object_route(app, clients, who):
    client = clients[who]
    wrong = []
    for rule, method in object_routes(app):
        for value in OUT_OF_RANGE if who == "anonymous" else SOME:
            path = fill(rule, value)
            response = client.open(path, method=method)
            if response.status_code != 404:
                wrong.append((method, path[:80], response.status_code))
        # the same in an earlier id of a route with two (a case's document, a notice's objection…)
        if len(INT_ARG.findall(rule.rule)) > 1:
            path = fill(rule, "1", others="99999999999999999999")
            response = client.open(path, method=method)
            if response.status_code != 404:
                wrong.append((method, path[:80], response.status_code))
    assert wrong == [], wrong


def expected_for_missing(permission: str, who: str, api: bool, method: str) -> set[int]:
    """What a route answers for an id in range that names no row, by its declared permission."""
    if who == "anonymous" and permission != PUBLIC:
        return {401} if api else {302}  # to the login page; the API says 401
    if api and method != "GET" and who != "anonymous":
        return {400}  # a session's API write without its X-CSRFToken header is refused before anything
    if who == "member" and permission == OPERATOR:
        return {403}
    return {404}


@pytest.mark.parametrize("who", ["anonymous", "member", "operator"])
def test_the_largest_id_reaches_the_views_which_find_nothing(app, clients, who):
    client = clients[who]
    wrong = []
    for rule, method in object_routes(app):
        path = fill(rule, str(MAX_ID), others=str(MAX_ID))
        permission = app.view_functions[rule.endpoint].required_permission
        response = client.open(path, method=method)
        if response.status_code not in expected_for_missing(permission, who, path.startswith("/api/"), method):
            wrong.append((method, path, permission, response.status_code))
    assert wrong == [], wrong


@pytest.mark.parametrize(("raw", "want"), [
    ("1", 1), ("42", 42), (str(MAX_ID), MAX_ID), (7, 7), (MAX_ID, MAX_ID),
    (str(MAX_ID + 1), None), (MAX_ID + 1, None), ("99999999999999999999", None), (10**30, None),
    ("0", None), (0, None), ("-1", None), (-1, None), ("", None), (" 1", None), ("1 ", None), ("+1", None),
    ("1.0", None), (1.0, None), (True, None), (False, None), (None, None), ("１２", None), ("٣", None),
    ("abc", None), ("1\x00", None), ([1], None), ({"id": 1}, None),
])
def test_parse_id(raw, want):
    assert parse_id(raw) == want


HUGE = "99999999999999999999"


def test_ids_in_query_strings_forms_and_json_bodies_are_bounded(app, db):
    """Ids read from a query string, a form field or a JSON body go through `parse_id`: a huge one is an
    unknown id (404, a message, or simply ignored), never an overflow in the driver."""
    from tt_platform.api import tokens

    member, operator = make_user(), make_operator()
    _token, secret = tokens.issue(member, "hostile")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    as_member, as_operator = app.test_client(user=member), app.test_client(user=operator)
    api = app.test_client()
    cells = [
        (as_operator.get(f"/matches/terms?version={HUGE}"), 200),
        (as_member.get(f"/imports/results/existing.xlsx?organisation_id={HUGE}"), 404),
        (as_member.post("/account/tokens/", data={"revoke": HUGE}), 302),  # "No such token."
        (as_operator.post("/demand-lists/items", data={"list_id": HUGE, "demand_id": HUGE}), 404),
        (as_operator.post("/demand-lists/items", data={"list_id": "-1", "demand_id": "x"}), 404),
        (as_member.get(f"/contracts/new?demand={HUGE}&achievement={HUGE}&case={HUGE}"), 200),
        (as_member.get(f"/contracts/?page={HUGE}"), 200),
        (app.test_client(user=make_broker()).get(f"/cases/new?demand={HUGE}&result={HUGE}"), 200),
        (api.get(f"/api/v1/contracts?page={HUGE}", headers=bearer), 200),
        (api.get(f"/api/v1/challenges?min_bounty_wan={HUGE}"), 200),
        (api.post("/api/v1/cases", json={"demand_ids": [10**20]}, headers=bearer), 400),
        (api.post("/api/v1/cases", json={"result_ids": [-3]}, headers=bearer), 400),
        (api.post("/api/v1/contracts", headers=bearer, json={
            "name": "x", "subtype_code": "TRF-01", "field_code": "T06", "payment_mode": "lump_sum",
            "signed_on": "2026-06-01", "seller": {"organisation_id": 10**20}, "buyer": {"organisation_id": 2**31},
            "items": [{"description": "x", "amount_fen": 10**30}]}), 400),
    ]
    assert [(r.request.method, r.request.path, r.status_code) for r, _ in cells] == \
           [(r.request.method, r.request.path, want) for r, want in cells]
    assert "2147483647" in cells[10][0].get_json()["error"]  # the message says which ids there are
