"""The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json).

Written as data next to the views; `tests/tt_platform/api` checks that it is a valid OpenAPI
document and that every /api/v1 route is described (and nothing else)."""
from __future__ import annotations

from tt_platform.challenges.models import Phase
from tt_platform.contracts.models import PAYMENT_MODES
from tt_platform.database import MAX_ID
from tt_platform.stats.services import TABLES
from tt_platform.taxonomy import contract_subtypes, fields

ERROR = {"$ref": "#/components/responses/Error"}
#: 409: the request was fine, the object's state refuses it now (400 is for a request that is wrong itself)
CONFLICT = {"$ref": "#/components/responses/Conflict"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, response: dict, *, body: dict | None = None, params: list | None = None, status: str = "200",
        public: bool = False, tag: str = "", conflict: bool = False) -> dict:
    op: dict = {"summary": summary, "tags": [tag], "responses": {status: response, "400": ERROR, "404": ERROR}}
    if conflict:
        op["responses"]["409"] = CONFLICT
    if not public:
        op["responses"].update({"401": ERROR, "403": ERROR})
    else:
        op["security"] = []
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    return op


def _conflict(op: dict) -> dict:
    """A bid's 409: someone bid first; the body says the current price and the lowest bid now accepted."""
    op["responses"]["409"] = _json({"type": "object", "required": ["error", "status"], "properties": {
        "error": {"type": "string"}, "status": {"type": "integer"},
        "current_price_fen": {"type": ["integer", "null"]}, "minimum_bid_fen": {"type": "integer"}}},
        "Someone bid first: bid again at minimum_bid_fen")
    return op


def _id(name: str) -> dict:
    # ids are PostgreSQL integers: a larger number in the path names nothing (404)
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}


def _throttled(op: dict) -> dict:
    """A match call: over TT_MATCH_RATE_LIMIT_* the answer is 429 with Retry-After (seconds)."""
    op["responses"]["429"] = {**_json(_ref("Error"), "Too many match calls; the message and Retry-After say when "
                                                     "to try again"),
                              "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1},
                                                          "description": "seconds to wait"}}}
    return op


PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
          {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
SHOW_PAST = [{"name": "show", "in": "query", "schema": {"type": "string", "enum": ["past"]}}]
STATS_FILTERS = [
    {"name": "start", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "end", "in": "query", "schema": {"type": "string", "format": "date"}},
    {"name": "region", "in": "query", "description": "2 (province) or 4 (city) digits of the seller's region",
     "schema": {"type": "string", "pattern": "^[0-9]{2}([0-9]{2})?$"}},
    {"name": "field", "in": "query", "schema": {"type": "string"}},
    {"name": "type", "in": "query", "schema": {"type": "string", "enum": ["DEV", "TRF", "LIC", "CON", "SRV"]}},
    {"name": "view", "in": "query", "description": "pre2021: 技术许可 counted as 技术转让",
     "schema": {"type": "string", "enum": ["pre2021"]}},
]


def _schemas() -> dict:
    party = {"type": "object", "properties": {
        "organisation_id": {"type": ["integer", "null"]}, "name": {"type": "string"},
        "party_type": {"type": "string"}, "region_code": {"type": "string", "pattern": "^[0-9]{6}$"}}}
    item = {"type": "object", "required": ["description"], "properties": {
        "description": {"type": "string", "maxLength": 200},
        "amount_fen": {"type": "integer", "minimum": 0, "description": "amount in fen (分)"},
        "amount_yuan": {"type": "string", "pattern": r"^[0-9]+(\.[0-9]{1,2})?$", "description": "or 元 as a string"},
        "is_technical": {"type": "boolean", "default": True}}}
    contract_input = {"type": "object", "required": ["name", "subtype_code", "field_code", "payment_mode",
                                                     "signed_on", "seller", "buyer", "items"],
                      "properties": {
                          "name": {"type": "string", "maxLength": 200},
                          "subtype_code": {"type": "string", "enum": list(contract_subtypes())},
                          "field_code": {"type": "string", "enum": list(fields())},
                          "payment_mode": {"type": "string", "enum": list(PAYMENT_MODES)},
                          "ip_type": {"type": ["string", "null"]},
                          "signed_on": {"type": "string", "format": "date"},
                          "valid_from": {"type": ["string", "null"], "format": "date"},
                          "valid_until": {"type": ["string", "null"], "format": "date"},
                          "seller": party, "buyer": party, "items": {"type": "array", "items": item},
                          "demand_id": {"type": ["integer", "null"]}, "achievement_id": {"type": ["integer", "null"]},
                          "case_id": {"type": ["integer", "null"]}}}
    contract = {"type": "object", "properties": {
        **contract_input["properties"], "id": {"type": "integer"}, "type_code": {"type": "string"},
        "total_fen": {"type": "integer", "description": "成交额 in fen"},
        "tech_fen": {"type": "integer", "description": "技术交易额 in fen = 成交额 − non-technical items"},
        "total_wan": {"type": "string"}, "tech_wan": {"type": "string"},
        "status": {"type": "string", "enum": ["draft", "submitted", "returned", "registered", "refused", "cancelled"]},
        "registration_number": {"type": ["string", "null"], "pattern": "^[0-9]{16}$"},
        "registered_on": {"type": ["string", "null"], "format": "date"}}}
    case = {"type": "object", "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "stage": {"type": "string", "enum": ["intent", "contact", "negotiation", "signed", "registration",
                                             "performance", "terminated"]},
        "source": {"type": "string"}, "agency_id": {"type": "integer"}, "broker_id": {"type": ["integer", "null"]},
        "demand_ids": {"type": "array", "items": {"type": "integer"}},
        "result_ids": {"type": "array", "items": {"type": "integer"}}}}
    row = {"type": "object", "properties": {
        "key": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer"},
        "total_fen": {"type": "integer"}, "tech_fen": {"type": "integer"}, "total_wan": {"type": "string"},
        "tech_wan": {"type": "string"}}}
    return {
        "Error": {"type": "object", "required": ["error", "status"],
                  "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
        "ContractInput": contract_input, "Contract": contract, "Case": case, "StatsRow": row,
        "Page": {"type": "object", "properties": {"total": {"type": "integer"}, "page": {"type": "integer"},
                                                  "per_page": {"type": "integer"}, "items": {"type": "array"}}},
        "Roadshow": {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                                      "starts_at": {"type": "string", "format": "date-time"},
                                                      "agenda": {"type": "array"}}},
        "Challenge": {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "goal": {"type": "string"},
            "field_code": {"type": "string"}, "region_code": {"type": "string"},
            "bounty_fen": {"type": "integer", "description": "榜额 in fen"}, "bounty_wan": {"type": "string"},
            "state": {"type": "string"}, "status": {"type": ["string", "null"]},
            "opens_at": {"type": "string", "format": "date-time"},
            "closes_at": {"type": "string", "format": "date-time"},
            "selection_mode": {"type": "string", "enum": ["merit", "race"]}, "race_teams": {"type": "integer"},
            "indicators": {"type": "array"}, "milestones": {"type": "array"}, "rubric": {"type": "array"}}},
        "ChallengeApplication": {"type": "object", "properties": {
            "id": {"type": "integer"}, "challenge_id": {"type": "integer"}, "status": {"type": "string"},
            "plan": {"type": "string"}, "team": {"type": "array"}, "budget_fen": {"type": ["integer", "null"]},
            "schedule": {"type": "array", "items": {"type": "string"}}, "selected": {"type": "boolean"}}},
        "Match": {"type": "object", "properties": {
            "id": {"type": "string"}, "external_ref": {"type": ["string", "null"]},
            "title": {"type": ["string", "null"]},
            "score": {"type": "number"}, "shared_terms": {"type": "array", "items": {"type": "string"}},
            "components": {"type": "array", "items": {"type": "object"}}}},
        "PriceNotice": {"type": "object", "properties": {
            "id": {"type": "integer"}, "result": {"type": "object"}, "seller": {"type": "object"},
            "buyer": {"type": "object"}, "subtype_code": {"type": "string"},
            "price_fen": {"type": "integer", "description": "proposed price in fen"}, "price_wan": {"type": "string"},
            "notice_days": {"type": "integer"}, "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"}, "last_day": {"type": "string", "format": "date"},
            "contact": {"type": "string"}, "statement": {"type": "string"}, "objections": {"type": "integer"},
            "phase": {"type": "string", "enum": ["on_notice", "ready", "blocked", "withdrawn", "contracted"]}}},
        "PriceListing": {"type": "object", "properties": {
            "id": {"type": "integer"}, "result": {"type": "object"}, "seller": {"type": "object"},
            "subtype_code": {"type": "string"}, "price_fen": {"type": "integer", "description": "挂牌价 in fen"},
            "price_wan": {"type": "string"}, "exclusive": {"type": "boolean"},
            "payment_mode": {"type": "string", "enum": list(PAYMENT_MODES)}, "working_days": {"type": "integer"},
            "starts_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time"}, "last_day": {"type": "string", "format": "date"},
            "contact": {"type": "string"},
            "conditions": {"type": "string"}, "intending_buyers": {"type": "integer"},
            "previous_id": {"type": ["integer", "null"]},
            "phase": {"type": "string", "enum": ["open", "sold", "unsold", "contested", "withdrawn", "contracted"]}}},
        "Auction": {"type": "object", "properties": {
            "id": {"type": "integer"}, "result": {"type": "object"}, "seller": {"type": "object"},
            "subtype_code": {"type": "string"}, "payment_mode": {"type": "string", "enum": list(PAYMENT_MODES)},
            "start_price_fen": {"type": "integer", "description": "起拍价 in fen"},
            "increment_fen": {"type": "integer", "description": "加价幅度: each bid is at least this above the last"},
            "reserve_fen": {"type": ["integer", "null"], "description": "保留价, null when hidden or none"},
            "has_reserve": {"type": "boolean"}, "deposit_fen": {"type": "integer"},
            "extension_minutes": {"type": "integer",
                                  "description": "a bid in the last N minutes moves the end N minutes later"},
            "starts_at": {"type": "string", "format": "date-time"},
            "scheduled_end_at": {"type": "string", "format": "date-time"},
            "ends_at": {"type": "string", "format": "date-time", "description": "the end after extensions"},
            "current_price_fen": {"type": ["integer", "null"]}, "minimum_bid_fen": {"type": "integer"},
            "bid_count": {"type": "integer"}, "listing_id": {"type": ["integer", "null"]},
            "previous_id": {"type": ["integer", "null"]}, "contact": {"type": "string"},
            "conditions": {"type": "string"},
            "phase": {"type": "string", "enum": ["upcoming", "running", "sold", "failed", "withdrawn", "contracted"]},
            "bids": {"type": "array", "items": _ref("AuctionBid")}, "you": {"type": ["object", "null"]},
            "server_now": {"type": "string", "format": "date-time"}}},
        "AuctionBid": {"type": "object", "properties": {
            "sequence": {"type": "integer"}, "bidder": {"type": "string", "description": "竞买人1, 竞买人2 …"},
            "amount_fen": {"type": "integer"}, "placed_at": {"type": "string", "format": "date-time"},
            "extended": {"type": "boolean"}, "mine": {"type": "boolean"},
            "organisation": {"type": ["string", "null"], "description": "operators only"}}},
    }


def document(server: str) -> dict:
    contract, case = _ref("Contract"), _ref("Case")
    ranking = {"type": "object", "properties": {"ranking": {"type": "array", "items": _ref("Match")}}}
    paths = {
        "/match/results": {"post": _throttled(_op("Rank research results for a demand (benchmark format)",
                                                  _json(ranking), body={"type": "object"}, public=True,
                                                  tag="matching"))},
        "/match/{kind}/{listing_id}": {"get": _throttled(_op(
            "Matches for a stored listing (results for a demand, demands for a result)", _json(ranking), public=True,
            tag="matching", params=[{"name": "kind", "in": "path", "required": True,
                                     "schema": {"type": "string", "enum": ["demand", "result"]}}, _id("listing_id")]))},
        "/contracts": {
            "get": _op("Contracts you may see", _json(_ref("Page")), params=PAGING, tag="contracts"),
            "post": _op("Record a contract (draft)", _json(contract, "Created"), body=_ref("ContractInput"),
                        status="201", tag="contracts")},
        "/contracts/{contract_id}": {
            "get": _op("One contract", _json(contract), params=[_id("contract_id")], tag="contracts"),
            "put": _op("Change a draft or returned contract (409: submitted or decided since)", _json(contract),
                       body=_ref("ContractInput"), params=[_id("contract_id")], tag="contracts", conflict=True)},
        "/contracts/{contract_id}/submit": {"post": _op("Submit for registration", _json(contract), conflict=True,
                                                        params=[_id("contract_id")], tag="registration")},
        "/contracts/{contract_id}/decision": {"post": _op(
            "Registrar: register, return for correction or refuse (409: decided already, by someone else too)",
            _json(contract), params=[_id("contract_id")], tag="registration", conflict=True,
            body={"type": "object", "required": ["decision"], "properties": {
                "decision": {"type": "string", "enum": ["register", "return", "refuse"]},
                "reason": {"type": "string"}, "note": {"type": "string"}}})},
        "/contracts/{contract_id}/cancel": {"post": _op(
            "Registrar: cancel a registration (注销)", _json(contract), params=[_id("contract_id")], tag="registration",
            conflict=True, body={"type": "object", "required": ["note"], "properties": {"note": {"type": "string"}}})},
        "/registrations": {"get": _op("Registrar's queue", _json({"type": "object"}), tag="registration")},
        "/cases": {
            "get": _op("Cases you may see", _json(_ref("Page")), params=PAGING, tag="cases"),
            "post": _op("Open a case (brokers)", _json(case, "Created"), status="201", tag="cases",
                        body={"type": "object", "properties": {
                            "title": {"type": "string"}, "demand_ids": {"type": "array", "items": {"type": "integer"}},
                            "result_ids": {"type": "array", "items": {"type": "integer"}}}})},
        "/cases/{case_id}": {"get": _op("One case with participants, notes, tasks, documents", _json(case),
                                        params=[_id("case_id")], tag="cases")},
        "/cases/{case_id}/stage": {"post": _op("Move the case (409: someone else moved it first; the message says "
                                               "where it is now)", _json(case), params=[_id("case_id")], tag="cases",
                                               conflict=True,
                                               body={"type": "object", "required": ["stage"], "properties": {
                                                   "stage": {"type": "string"}, "reason": {"type": "string"},
                                                   "note": {"type": "string"}}})},
        "/cases/{case_id}/notes": {"post": _op(
            "Add a note", _json(case, "Created"), status="201", tag="cases", params=[_id("case_id")],
            body={"type": "object", "required": ["body"], "properties": {"body": {"type": "string"}}})},
        "/cases/{case_id}/tasks": {"post": _op("Add a task", _json(case, "Created"), status="201", tag="cases",
                                               params=[_id("case_id")], body={"type": "object", "properties": {
                                                   "title": {"type": "string"}, "owner_id": {"type": "integer"},
                                                   "due_on": {"type": "string", "format": "date"}}})},
        "/roadshows": {"get": _op("Published roadshows (and your own)", _json({"type": "object"}), public=True,
                                  tag="roadshows")},
        "/roadshows/{roadshow_id}": {"get": _op("One roadshow with its agenda", _json(_ref("Roadshow")), public=True,
                                                params=[_id("roadshow_id")], tag="roadshows")},
        "/roadshows/{roadshow_id}/registrations": {"post": _op(
            "Register your enterprise (409: registered already, registration closed or no seats left)",
            _json({"type": "object"}, "Created"), status="201", tag="roadshows", conflict=True,
            params=[_id("roadshow_id")], body={"type": "object", "properties": {"attendees": {"type": "integer"}}})},
        "/roadshows/{roadshow_id}/report": {"get": _op("Event report (organiser)", _json({"type": "object"}),
                                                       params=[_id("roadshow_id")], tag="roadshows")},
        "/challenges": {"get": _op("The 榜单: public challenges (揭榜挂帅), open ones first", _json({
            "type": "object", "properties": {"items": {"type": "array", "items": _ref("Challenge")}}}), public=True,
            tag="challenges", params=[
                {"name": "field", "in": "query", "schema": {"type": "string", "enum": list(fields())}},
                {"name": "province", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{2}0000$"}},
                {"name": "min_bounty_wan", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "status", "in": "query", "schema": {"type": "string", "enum": [p.value for p in Phase]}}])},
        "/challenges/{challenge_id}": {"get": _op("One challenge", _json(_ref("Challenge")), public=True,
                                                  params=[_id("challenge_id")], tag="challenges")},
        "/challenges/applications": {"get": _op("Your organisation’s applications", _json({
            "type": "object", "properties": {"items": {"type": "array", "items": _ref("ChallengeApplication")}}}),
            tag="challenges")},
        "/challenges/applications/{application_id}": {"get": _op(
            "One application (its organisation, the issuer’s authorised members, assigned experts, operators)",
            _json(_ref("ChallengeApplication")), params=[_id("application_id")], tag="challenges")},
        "/challenges/scores": {"get": _op("Your scores as an expert", _json({"type": "object"}), tag="challenges")},
        "/challenges/{challenge_id}/milestones": {"get": _op(
            "The task books' milestones with payments (issuer, selected teams, operators)", _json({"type": "object"}),
            params=[_id("challenge_id")], tag="challenges")},
        "/stats/summary": {"get": _op("Totals and funnel (operators)", _json({"type": "object"}), params=STATS_FILTERS,
                                      tag="statistics")},
        "/stats/{name}": {"get": _op("One statistics table (operators)", _json({"type": "object", "properties": {
            "rows": {"type": "array", "items": _ref("StatsRow")}, "totals": _ref("StatsRow")}}),
            tag="statistics", params=[{"name": "name", "in": "path", "required": True, "schema": {
                "type": "string", "enum": sorted(TABLES)}},
                *STATS_FILTERS])},
        "/notices": {"get": _op("协议定价 price notices: those in their period, or past ones with show=past", _json({
            "type": "object", "properties": {"items": {"type": "array", "items": _ref("PriceNotice")}}}),
            public=True, tag="trading", params=SHOW_PAST)},
        "/notices/{notice_id}": {"get": _op("One price notice", _json(_ref("PriceNotice")), public=True,
                                            params=[_id("notice_id")], tag="trading")},
        "/notices/{notice_id}/objections": {"post": _op(
            "Lodge an objection during the notice period (409: the period is over, or yours is waiting already)",
            _json({"type": "object"}, "Created"), status="201", conflict=True, tag="trading", params=[_id("notice_id")],
            body={"type": "object", "required": ["text"], "properties": {
                "text": {"type": "string", "minLength": 10, "maxLength": 2000}}})},
        "/listings": {"get": _op("挂牌交易 listings: those running, or closed ones with show=past", _json({
            "type": "object", "properties": {"items": {"type": "array", "items": _ref("PriceListing")}}}),
            public=True, tag="trading", params=SHOW_PAST)},
        "/listings/{listing_id}": {"get": _op("One listing", _json(_ref("PriceListing")), public=True,
                                              params=[_id("listing_id")], tag="trading")},
        "/listings/{listing_id}/interest": {"post": _op(
            "Register your organisation as intending buyer (意向受让方; 409: registered already, or the period is "
            "over)", _json({"type": "object"}, "Created"), status="201", conflict=True, tag="trading",
            params=[_id("listing_id")])},
        "/auctions": {"get": _op("拍卖/竞价 auctions: running and upcoming, or past ones with show=past", _json({
            "type": "object", "properties": {"items": {"type": "array", "items": _ref("Auction")}}}),
            public=True, tag="trading", params=SHOW_PAST)},
        "/auctions/{auction_id}": {"get": _op("One auction with its bid history (bidders as 竞买人N)",
                                              _json(_ref("Auction")), public=True, params=[_id("auction_id")],
                                              tag="trading")},
        "/auctions/{auction_id}/registrations": {"post": _op(
            "Register your organisation as a bidder (an operator then confirms its deposit)",
            _json({"type": "object"}, "Created"), status="201", tag="trading", params=[_id("auction_id")])},
        "/auctions/{auction_id}/bids": {"post": _conflict(_op(
            "Bid (by API token for bidding tools): at least minimum_bid_fen; 409 when someone bid first",
            _json({"type": "object", "properties": {
                "id": {"type": "integer"}, "sequence": {"type": "integer"}, "amount_fen": {"type": "integer"},
                "placed_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"}, "extended": {"type": "boolean"}}}, "Created"),
            status="201", tag="trading", params=[_id("auction_id")], body={
                "type": "object", "required": ["amount_fen"], "properties": {
                    "amount_fen": {"type": "integer", "minimum": 1, "description": "the bid in fen"}}}))},
        "/openapi.json": {"get": _op("This document", _json({"type": "object"}), public=True, tag="meta")},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "tt-platform API", "version": "1",
                 "description": "技术转移撮合平台 API: matching, technology contracts and registration "
                                "(技术合同认定登记), matchmaking cases, roadshows, challenges (揭榜挂帅), price "
                                "notices (协议定价公示) and listings (挂牌交易) "
                                "and statistics. Money is integer fen (分)."},
        "servers": [{"url": f"{server}/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "responses": {"Error": _json(_ref("Error"), "Error (message in the user's language)"),
                          "Conflict": _json(_ref("Error"), "The object's state refuses this now: someone else "
                                                           "changed it first, it is closed, or it was done already "
                                                           "(message in the user's language); reload it and "
                                                           "decide again")},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "personal API token (ttp_…)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "browser session; writes need the CSRF token in X-CSRFToken"}},
        },
    }
