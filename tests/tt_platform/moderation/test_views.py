"""The operators' desk: the review queue, decisions on pending listings, verifying organisations."""
import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_operator, make_org, make_user
from tests.tt_platform.demands.form_data import demand_form
from tt_platform.accounts.models import OrgKind, Verification
from tt_platform.audit.models import AuditEntry, trail
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings.models import ListingStatus


def audit_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))


# --- listings -----------------------------------------------------------------------------------

def test_reject_needs_reason_and_is_final(login, db):
    demand = make_demand(status=ListingStatus.PENDING)
    op = login(make_operator())
    op.post(f"/review/demand/{demand.id}", data={"decision": "reject"})
    assert demand.status is ListingStatus.PENDING
    op.post(f"/review/demand/{demand.id}", data={"decision": "reject", "reason": "非技术需求"})
    assert demand.status is ListingStatus.REJECTED
    owner = make_user(demand.organisation)
    response = login(owner).post(f"/demands/{demand.id}/edit", data=demand_form(), follow_redirects=True)
    assert "该信息已不能修改" in response.get_data(as_text=True)


def test_unverified_organisation_cannot_be_published(login, db):
    demand = make_demand(make_org(verified=False), status=ListingStatus.PENDING)
    response = login(make_operator()).post(f"/review/demand/{demand.id}", data={"decision": "approve"},
                                           follow_redirects=True)
    assert "请先认证该机构" in response.get_data(as_text=True)
    assert demand.status is ListingStatus.PENDING


def test_the_queue_lists_pending_listings_only(login, db):
    pending_demand = make_demand(status=ListingStatus.PENDING, title="待审核的需求")
    pending_result = make_achievement(make_org(OrgKind.UNIVERSITY, verified=False), status=ListingStatus.PENDING,
                                      title="待审核的成果")
    draft = make_demand(status=ListingStatus.DRAFT, title="还是草稿的需求")
    published = make_achievement(title="已发布的成果")
    make_org(verified=False)
    html = login(make_operator()).get("/review/").get_data(as_text=True)
    assert f'action="/review/demand/{pending_demand.id}"' in html
    assert f'action="/review/achievement/{pending_result.id}"' in html
    assert draft.title not in html and published.title not in html
    assert "机构尚未认证" in html  # the result's university is not verified yet
    assert "待认证机构 (2)</a>" in html  # two organisations wait: the result's and the one above


def test_an_empty_queue_says_so(login, db):
    assert "暂无待审核事项" in login(make_operator()).get("/review/").get_data(as_text=True)


def test_approving_publishes_and_records(login, db):
    result = make_achievement(status=ListingStatus.PENDING, published_at=None, review_note="旧的退回意见")
    response = login(make_operator()).post(f"/review/achievement/{result.id}", data={"decision": "approve"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/review/")
    assert result.status is ListingStatus.PUBLISHED and result.published_at is not None
    assert result.review_note is None
    assert [e.action for e in trail("achievement", result.id)] == ["approved"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox).where(
        SearchOutbox.entity_type == "achievement", SearchOutbox.entity_id == result.id)) == 1


def test_returning_needs_a_reason_the_owner_then_sees(login, db):
    demand = make_demand(status=ListingStatus.PENDING)
    op = login(make_operator())
    response = op.post(f"/review/demand/{demand.id}", data={"decision": "return", "reason": "  "},
                       follow_redirects=True)
    assert "请填写原因，发布方可以看到" in response.get_data(as_text=True)
    assert demand.status is ListingStatus.PENDING
    response = op.post(f"/review/demand/{demand.id}", data={"decision": "return", "reason": "请补充预算依据",
                                                          "back": "detail"})
    assert response.headers["Location"].endswith(f"/demands/{demand.id}")
    assert demand.status is ListingStatus.RETURNED and demand.review_note == "请补充预算依据"
    owner = login(make_user(demand.organisation))
    assert "请补充预算依据" in owner.get(f"/demands/{demand.id}").get_data(as_text=True)
    owner.post(f"/demands/{demand.id}/submit")
    assert demand.status is ListingStatus.PENDING


def test_only_pending_listings_are_decided(login, db):
    published = make_demand()
    op = login(make_operator())
    before = audit_count(db)
    response = op.post(f"/review/demand/{published.id}", data={"decision": "reject", "reason": "x"},
                       follow_redirects=True)
    assert "只能审核待审核状态的信息" in response.get_data(as_text=True)
    assert published.status is ListingStatus.PUBLISHED and audit_count(db) == before


def test_an_unknown_decision_changes_nothing(login, db):
    demand = make_demand(status=ListingStatus.PENDING)
    response = login(make_operator()).post(f"/review/demand/{demand.id}", data={"decision": "publish-anyway"},
                                           follow_redirects=True)
    assert "审核结果无效" in response.get_data(as_text=True)
    assert demand.status is ListingStatus.PENDING


def test_unknown_entities_and_listings_are_404(login, db):
    op = login(make_operator())
    demand = make_demand(status=ListingStatus.PENDING)
    assert op.post(f"/review/contract/{demand.id}", data={"decision": "approve"}).status_code == 404
    assert op.post("/review/demand/999999", data={"decision": "approve"}).status_code == 404
    assert op.post(f"/review/achievement/{demand.id + 100000}", data={"decision": "approve"}).status_code == 404
    assert demand.status is ListingStatus.PENDING


def test_non_operators_get_403_and_nothing_changes(login, client, db):
    demand = make_demand(status=ListingStatus.PENDING)
    owner = make_user(demand.organisation, admin=True)
    before = audit_count(db)
    for user in (owner, make_user(kind=OrgKind.AGENCY), make_user(kind=OrgKind.UNIVERSITY, admin=True)):
        c = login(user)
        assert c.get("/review/").status_code == 403
        assert c.get("/review/organisations").status_code == 403
        assert c.post(f"/review/demand/{demand.id}", data={"decision": "approve"}).status_code == 403
    response = client.post(f"/review/demand/{demand.id}", data={"decision": "approve"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert demand.status is ListingStatus.PENDING and audit_count(db) == before


def test_an_approved_edit_goes_through_review_again(login, db):
    demand = make_demand()
    owner = login(make_user(demand.organisation))
    owner.post(f"/demands/{demand.id}/edit", data=demand_form(title="修订后的需求标题"))
    assert demand.status is ListingStatus.PENDING
    login(make_operator()).post(f"/review/demand/{demand.id}", data={"decision": "approve"})
    assert demand.status is ListingStatus.PUBLISHED and demand.title == "修订后的需求标题"


# --- organisations -------------------------------------------------------------------------------

def test_operator_verifies_and_rejects_with_reason(login, db):
    operator = make_user(make_org(OrgKind.OPERATOR), admin=True)
    pending, other = make_org(verified=False), make_org(verified=False)
    client = login(operator)
    client.post(f"/review/organisations/{pending.id}", data={"decision": "verify"})
    assert pending.verification is Verification.VERIFIED
    response = client.post(f"/review/organisations/{other.id}", data={"decision": "reject"}, follow_redirects=True)
    assert "请填写原因" in response.get_data(as_text=True)
    assert other.verification is Verification.PENDING
    client.post(f"/review/organisations/{other.id}", data={"decision": "reject", "reason": "营业执照信息不符"})
    assert other.verification is Verification.REJECTED and other.rejection_reason == "营业执照信息不符"


def test_non_operators_cannot_verify(login, db):
    org = make_org(verified=False)
    response = login(make_user()).post(f"/review/organisations/{org.id}", data={"decision": "verify"})
    assert response.status_code == 403
    assert org.verification is Verification.PENDING


def test_the_organisation_tabs_filter_by_state(login, db):
    pending = make_org(verified=False, name="待认证机构甲")
    verified = make_org(name="已认证机构乙")
    rejected = make_org(verified=False, name="被驳回机构丙")
    rejected.verification, rejected.rejection_reason = Verification.REJECTED, "证照不符"
    operator = make_operator()
    op = login(operator)

    def shown(state=None):
        html = op.get("/review/organisations", query_string={"state": state} if state else {}).get_data(
            as_text=True)
        return {o.name for o in (pending, verified, rejected, operator.organisation) if o.name in html}

    assert shown() == shown("pending") == shown("nonsense") == {"待认证机构甲"}
    assert shown("verified") == {"已认证机构乙"}  # operator organisations are not listed
    assert shown("rejected") == {"被驳回机构丙"}
    assert "证照不符" in op.get("/review/organisations?state=rejected").get_data(as_text=True)


def test_verifying_a_missing_organisation_is_404(login, db):
    assert login(make_operator()).post("/review/organisations/999999", data={"decision": "verify"}).status_code \
        == 404


def test_verifying_lets_the_organisations_listings_be_published(login, db):
    org = make_org(verified=False)
    demand = make_demand(org, status=ListingStatus.PENDING)
    op = login(make_operator())
    op.post(f"/review/demand/{demand.id}", data={"decision": "approve"})
    assert demand.status is ListingStatus.PENDING
    op.post(f"/review/organisations/{org.id}", data={"decision": "verify"})
    assert org.is_verified and org.verified_at is not None
    op.post(f"/review/demand/{demand.id}", data={"decision": "approve"})
    assert demand.status is ListingStatus.PUBLISHED
