"""Role × owner matrix over every listing route: who may see, edit, submit, change and review what."""
import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry
from tt_platform.listings.models import ListingStatus

VIEWERS = ["anonymous", "owner", "colleague_other_org", "unverified", "broker", "operator"]
STATES = [ListingStatus.PUBLISHED, ListingStatus.DRAFT]
KINDS = {
    "demand": (make_demand, OrgKind.ENTERPRISE, "/demands"),
    "achievement": (make_achievement, OrgKind.UNIVERSITY, "/results"),
}
#: (method, path suffix, form data, permission kind)
ROUTES = [
    ("GET", "", None, "view"),
    ("GET", "/edit", None, "owner"),
    ("POST", "/edit", {"title": "x"}, "owner"),
    ("POST", "/submit", {}, "owner"),
    ("POST", "/status", {"status": "closed"}, "owner"),
    ("POST", "REVIEW", {"decision": "approve"}, "operator"),
    ("GET", "MATCHES", None, "view"),
]


def make_viewer(name, owner_org, kind):
    if name == "anonymous":
        return None
    if name == "owner":
        return make_user(owner_org)
    if name == "colleague_other_org":
        return make_user(kind=kind)
    if name == "unverified":
        return make_user(kind=kind, verified=False)
    if name == "broker":
        return make_user(kind=OrgKind.AGENCY)
    return make_operator()


def expected(viewer, permission, state, method, suffix):
    visible = state is ListingStatus.PUBLISHED or viewer in ("owner", "operator")
    if permission == "view":
        return 200 if visible else 404
    if viewer == "anonymous":
        return 302  # to the login page
    if permission == "operator":
        return 302 if viewer == "operator" else 403
    if not visible:
        return 404  # hidden listings are not revealed, not even by a 403
    if viewer != "owner":
        return 403
    if method == "GET" or suffix == "/edit":
        return 200  # the form (an incomplete edit is shown again with its errors)
    return 302


@pytest.mark.parametrize("entity", list(KINDS))
@pytest.mark.parametrize("state", STATES, ids=lambda s: s.value)
@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize(("method", "suffix", "data", "permission"), ROUTES, ids=lambda r: str(r))
def test_matrix(app, db, entity, state, viewer, method, suffix, data, permission):
    factory, kind, prefix = KINDS[entity]
    owner_org = make_org(kind)
    listing = factory(owner_org, status=state)
    user = make_viewer(viewer, owner_org, kind)
    client = app.test_client(user=user) if user else app.test_client()
    if suffix == "REVIEW":
        path = f"/review/{entity}/{listing.id}"
    elif suffix == "MATCHES":
        path = f"/matches/{'demand' if entity == 'demand' else 'result'}/{listing.id}"
    else:
        path = f"{prefix}/{listing.id}{suffix}"
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    status_before = listing.status

    response = client.open(path, method=method, data=data)

    want = expected(viewer, permission, state, method, suffix)
    assert response.status_code == want
    if want in (403, 404) or (viewer == "anonymous" and method == "POST"):
        assert listing.status is status_before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before
    if viewer == "anonymous" and want == 302:
        assert "/login" in response.headers["Location"]
