"""Who may read and act on an application: an object-level permission matrix over every application route.

An application's content is for its organisation, the issuer's authorised members, operators (and, once
the review starts, the assigned experts); nobody else, whatever their role. Drafts are the applicant's alone."""
from __future__ import annotations

import pytest

from tests.factories import make_broker, make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import application_data, live_window, published, submitted
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import services

VIEWERS = ["anonymous", "applicant", "applicant_colleague", "other_applicant", "issuer_admin", "issuer_author",
           "issuer_member", "unrelated_university", "broker", "operator"]
APPLICANT = {"applicant", "applicant_colleague"}
ISSUER = {"issuer_admin", "issuer_author"}
ROUTES = [
    ("GET", "/challenges/applications/{id}", "read"),
    ("GET", "/challenges/applications/{id}/edit", "applicant"),
    ("POST", "/challenges/applications/{id}/withdraw", "applicant"),
    ("POST", "/challenges/applications/{id}/check", "operator"),
    ("GET", "/challenges/{challenge}/applications", "list"),
]


def expected(viewer: str, draft: bool, method: str, kind: str) -> int:
    if viewer == "anonymous":
        return 302  # to the login page
    if kind == "operator":
        return 403 if viewer != "operator" else (404 if draft else 302)
    if kind == "list":
        return 200 if viewer in ISSUER or viewer == "operator" else 403
    readers = APPLICANT if draft else APPLICANT | ISSUER | {"operator"}
    if viewer not in readers:
        return 404  # not revealed
    if kind == "read":
        return 200
    if viewer not in APPLICANT:
        return 403
    return 200 if method == "GET" else 302


@pytest.fixture(params=[False, True], ids=["submitted", "draft"])
def world(request, db):
    issuer_org = make_org()
    author = make_user(issuer_org)
    people = {"issuer_author": author, "issuer_admin": make_user(issuer_org, admin=True),
              "issuer_member": make_user(issuer_org)}
    challenge = published(author, **live_window())
    applicant_org = make_org(OrgKind.UNIVERSITY)
    people |= {"applicant": make_user(applicant_org), "applicant_colleague": make_user(applicant_org),
               "other_applicant": make_user(make_org(OrgKind.INSTITUTE)),
               "unrelated_university": make_user(make_org(OrgKind.UNIVERSITY)), "broker": make_broker(),
               "operator": make_operator()}
    submitted(people["other_applicant"], challenge, now=None)
    if request.param:
        application = services.start_application(people["applicant"], challenge)
        services.update_application(people["applicant"], application, application_data())
    else:
        application = submitted(people["applicant"], challenge, now=None)
    db.session.commit()
    return people, challenge, application, request.param


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "path", "kind"), ROUTES, ids=[f"{m} {p}" for m, p, _k in ROUTES])
def test_application_route(world, app, viewer, method, path, kind):
    people, challenge, application, draft = world
    client = app.test_client(user=people[viewer]) if viewer != "anonymous" else app.test_client()
    url = path.format(id=application.id, challenge=challenge.id)
    response = client.get(url) if method == "GET" else client.post(url, data={"decision": "complete"})
    assert response.status_code == expected(viewer, draft, method, kind)


def test_the_list_shows_each_reader_only_what_they_may_read(world, app):
    people, challenge, application, draft = world
    issuer_page = app.test_client(user=people["issuer_admin"]).get(f"/challenges/{challenge.id}/applications").text
    assert people["other_applicant"].organisation.name in issuer_page
    assert (application.organisation.name in issuer_page) is not draft
