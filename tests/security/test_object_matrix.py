"""Role × owner matrix over the object routes, HTML and JSON (issue 21, ASVS 4.2.1).

Organisation A (an enterprise) owns a published and a draft demand, sells to a university under a draft
contract and one at the registration desk, and takes part in a broker's case with an uploaded document;
the university has a draft result. Seven callers ask for them: anonymous, a member of A, a member of B
(another enterprise), the case's broker, an operator, a registrar, and a script with A's member's API
token (which counts on /api/ only: on HTML pages it is an anonymous visitor). Each cell is the status
written out below; the same routes with a huge, negative or non-numeric id answer 404 for everyone. The
feature suites hold the finer matrices (listings, contracts, cases, roadshows, applications, trading);
this one crosses them with one world.
"""
from __future__ import annotations

import pytest

from tests.factories import (
    contract_data,
    make_achievement,
    make_broker,
    make_demand,
    make_operator,
    make_org,
    make_registrar,
    make_user,
)
from tt_platform.accounts.models import OrgKind
from tt_platform.api import tokens
from tt_platform.brokerage import services as cases
from tt_platform.brokerage.models import Case
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.demands.models import Demand
from tt_platform.indexing import sync
from tt_platform.listings.models import ListingStatus

ROLES = ["anonymous", "member_a", "member_b", "broker", "operator", "registrar", "token_a"]

#: (method, path with {object} placeholders) → the status for each role, in ROLES order.
#: 302: to the login page; 401: the API without credentials; 403: known but not yours; 404: not
#: visible to you (a hidden object is never confirmed by a 403); 400: an API write from a session
#: without its CSRF header.
MATRIX = {
    #                                                  anon  A     B     broker oper. regis. token A
    ("GET", "/orgs/{org}"):                             (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/demands/{published}"):                    (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/demands/{draft}"):                        (404, 200, 404, 404, 200, 200, 404),
    ("GET", "/demands/{draft}/edit"):                   (302, 200, 404, 404, 403, 403, 302),
    ("GET", "/results/{result}"):                       (404, 404, 404, 404, 200, 200, 404),
    ("GET", "/results/{result}/edit"):                  (302, 404, 404, 404, 403, 403, 302),
    ("GET", "/matches/demand/{published}"):             (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/matches/demand/{draft}"):                 (404, 200, 404, 404, 200, 200, 404),
    ("GET", "/pricing/demands/{draft}"):                (302, 200, 404, 404, 200, 200, 302),
    ("GET", "/cases/{case}"):                           (302, 200, 404, 200, 404, 404, 302),
    ("GET", "/cases/{case}/documents/{document}"):      (302, 200, 404, 200, 404, 404, 302),
    ("GET", "/contracts/{contract}"):                   (302, 200, 404, 404, 404, 404, 302),
    ("GET", "/contracts/{at_desk}"):                    (302, 200, 404, 404, 200, 200, 302),
    ("GET", "/contracts/{at_desk}/certificate"):        (302, 404, 404, 404, 404, 404, 302),
    ("GET", "/api/v1/match/demand/{published}"):        (200, 200, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/match/demand/{draft}"):            (404, 200, 404, 404, 200, 200, 200),
    ("GET", "/api/v1/cases/{case}"):                    (401, 200, 404, 200, 404, 404, 200),
    ("GET", "/api/v1/contracts/{contract}"):            (401, 200, 404, 404, 404, 404, 200),
    ("GET", "/api/v1/contracts/{at_desk}"):             (401, 200, 404, 404, 200, 200, 200),
    ("POST", "/cases/{case}/notes"):                    (302, 302, 404, 302, 404, 404, 302),
    ("POST", "/api/v1/cases/{case}/notes"):             (401, 400, 400, 400, 400, 400, 201),
    ("POST", "/demands/{draft}/submit"):                (302, 302, 404, 404, 403, 403, 302),
    ("POST", "/contracts/{contract}/submit"):           (302, 302, 404, 404, 404, 404, 302),
    ("POST", "/api/v1/contracts/{contract}/submit"):    (401, 400, 400, 400, 400, 400, 200),
}

BAD_IDS = ["99999999999999999999", "-1", "abc"]


@pytest.fixture
def world(app, db, index, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    org_a, org_b = make_org(OrgKind.ENTERPRISE), make_org(OrgKind.ENTERPRISE)
    university = make_org(OrgKind.UNIVERSITY)
    member_a, member_b = make_user(org_a, admin=True), make_user(org_b, admin=True)
    broker, operator, registrar = make_broker(), make_operator(), make_registrar(org_a.region_code)
    published = make_demand(org_a)
    draft = make_demand(org_a, status=ListingStatus.DRAFT)
    result = make_achievement(university, status=ListingStatus.DRAFT)  # another organisation's draft
    case = cases.open_case(broker, "对接", [published], [make_achievement(university)])
    document = cases.add_document(broker, case, "方案.pdf", b"%PDF-1.4 matrix", tmp_path)
    draft_contract = contracts.create(member_a, contract_data(org_a, university))
    at_desk = contracts.create(member_a, contract_data(org_a, university))
    contracts.submit(member_a, at_desk)
    _token, secret = tokens.issue(member_a, "matrix")
    db.session.commit()
    sync.rebuild()  # the published listings are in the engine, as after any request
    objects = {"org": org_a.id, "published": published.id, "draft": draft.id, "result": result.id, "case": case.id,
               "document": document.id, "contract": draft_contract.id, "at_desk": at_desk.id}
    users = {"member_a": member_a, "member_b": member_b, "broker": broker, "operator": operator,
             "registrar": registrar}
    return objects, users, {"Authorization": f"Bearer {secret}"}


def client_for(app, role, users, bearer):
    if role in users:
        return app.test_client(user=users[role]), {}
    return app.test_client(), (bearer if role == "token_a" else {})


BODIES = {"/cases/{case}/notes": {"body": "进展顺利"}, "/api/v1/cases/{case}/notes": {"body": "进展顺利"}}


def call(client, headers, method, template, objects, bad_id=None, bodies=None):
    """One cell: its status. `bad_id` replaces the path's last id; `bodies` are the form (JSON on /api/)
    bodies of the POSTs by template, or functions returning them."""
    path = template.format(**objects)
    if bad_id is not None:
        path = template.rsplit("{", 1)[0].format(**objects) + bad_id + template.rsplit("}", 1)[1]
    body = (BODIES if bodies is None else bodies).get(template, {})
    body = body() if callable(body) else body  # a fresh body for each call (a file is read once)
    kwargs = ({"json": body} if template.startswith("/api/") else {"data": body}) if method == "POST" else {}
    response = client.open(path, method=method, headers=headers, **kwargs)
    response.close()  # downloads are streamed files
    return response.status_code


def bad_id_cells(client, headers, matrix, objects, bodies=None) -> dict:
    """Every route of `matrix` with each of BAD_IDS as its last id: the status of each."""
    return {(route, b): call(client, headers, *route, objects, bad_id=b, bodies=bodies)
            for route in matrix for b in BAD_IDS}


def cells(client, headers, matrix, objects, bodies=None) -> dict:
    """Every cell of `matrix` for one caller, in order: route → status."""
    return {route: call(client, headers, *route, objects, bodies=bodies) for route in matrix}


#: What the writes of MATRIX leave behind, per role: (notes on the case, draft demand submitted, draft
#: contract submitted). A 302 is a redirect whether the change was made or refused with a message.
WRITES = {"anonymous": (0, False, False), "member_a": (1, True, True), "member_b": (0, False, False),
          "broker": (1, False, False), "operator": (0, False, False), "registrar": (0, False, False),
          "token_a": (1, False, True)}


@pytest.mark.parametrize("role", ROLES)
def test_every_cell_of_the_matrix(app, db, world, role):
    objects, users, bearer = world
    client, headers = client_for(app, role, users, bearer)
    column = ROLES.index(role)
    # bad ids first (they must change nothing), then every cell, the writes last in MATRIX order
    bad = bad_id_cells(client, headers, MATRIX, objects)
    assert bad == {key: 404 for key in bad}
    got = cells(client, headers, MATRIX, objects)
    assert got == {route: statuses[column] for route, statuses in MATRIX.items()}

    db.session.expire_all()
    case = db.session.get(Case, objects["case"])
    wrote = (len(case.notes), db.session.get(Demand, objects["draft"]).status is not ListingStatus.DRAFT,
             db.session.get(Contract, objects["contract"]).status is ContractStatus.SUBMITTED)
    assert wrote == WRITES[role]
