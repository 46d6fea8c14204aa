"""Confidential details behind an NDA through HTTP: writing the part, click-through and approval, NDA
versions, revocation, attachments, and that the text never leaks to those without access."""
from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_demand, make_operator, make_org, make_user
from tests.tt_platform.trading.helpers import NDA, SECRET, confidential_result
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import AuditEntry
from tt_platform.database import db
from tt_platform.trading import confidential
from tt_platform.trading.models import AccessGrant, ConfidentialAttachment, GrantStatus


@pytest.fixture
def shared(db, tmp_path, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    result, holder, part = confidential_result()
    reader = make_user(make_org(OrgKind.ENTERPRISE))
    db.session.commit()  # a view that rolls back a refused change must not take the fixtures with it
    return {"result": result, "holder": holder, "part": part, "reader": reader,
            "url": f"/trading/confidential/result/{result.id}"}


def _accept(client, part, sha=None):
    return client.post(f"/trading/confidential/{part.id}/accept",
                       data={"nda_sha256": sha or part.current_version.sha256}, follow_redirects=True)


def test_the_holder_writes_the_part_and_the_nda_through_the_form(login, db):
    result = make_achievement(make_org(OrgKind.UNIVERSITY))
    holder = make_user(result.organisation)
    client = login(holder)
    page = client.get(f"/results/{result.id}").get_data(as_text=True)
    assert 'id="confidential-panel"' in page and f"/trading/confidential/result/{result.id}/edit" in page
    assert client.get(f"/trading/confidential/result/{result.id}").status_code == 302  # nothing yet: the form
    response = client.post(f"/trading/confidential/result/{result.id}/edit",
                           data={"detail": SECRET, "access_mode": "approval", "nda_text": NDA})
    assert response.status_code == 302
    part = confidential.part_for(result)
    assert part.detail == SECRET and part.access_mode.value == "approval"
    assert part.current_version.number == 1
    assert part.current_version.sha256 == hashlib.sha256(NDA.encode()).hexdigest()
    page = client.get(f"/trading/confidential/result/{result.id}").get_data(as_text=True)
    assert SECRET in page and 'id="access-list"' not in page or "Nobody" in page or "尚无" in page
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.entity_type == "confidential_part",
                                                         AuditEntry.action == "created")) is not None


def test_a_demand_can_have_a_confidential_part_too(login, db):
    demand = make_demand(make_org(OrgKind.ENTERPRISE))
    holder = make_user(demand.organisation)
    client = login(holder)
    assert client.post(f"/trading/confidential/demand/{demand.id}/edit",
                       data={"detail": SECRET, "access_mode": "click", "nda_text": NDA}).status_code == 302
    reader = login(make_user(make_org(OrgKind.UNIVERSITY)))
    page = reader.get(f"/demands/{demand.id}").get_data(as_text=True)
    assert 'id="confidential-panel"' in page and SECRET not in page
    part = confidential.part_for(demand)
    _accept(reader, part)
    assert SECRET in reader.get(f"/trading/confidential/demand/{demand.id}").get_data(as_text=True)


@pytest.mark.parametrize(("form", "message"), [
    ({"detail": "", "access_mode": "click", "nda_text": NDA}, "必填"),
    ({"detail": SECRET, "access_mode": "auction", "nda_text": NDA}, None),
    ({"detail": SECRET, "access_mode": "click", "nda_text": "太短"}, None),
    ({"detail": "x" * 20_001, "access_mode": "click", "nda_text": NDA}, None),
])
def test_bad_input_is_refused_and_nothing_is_written(login, db, form, message):
    result = make_achievement(make_org(OrgKind.UNIVERSITY))
    client = login(make_user(result.organisation))
    response = client.post(f"/trading/confidential/result/{result.id}/edit", data=form)
    assert response.status_code == 422
    if message:
        assert message in response.get_data(as_text=True)
    assert confidential.part_for(result) is None


def test_the_service_refuses_what_the_form_would_not_send(db):
    result = make_achievement(make_org(OrgKind.UNIVERSITY))
    holder = make_user(result.organisation)
    for data in (confidential.PartData(" ", "click", NDA), confidential.PartData(SECRET, "x", NDA),
                 confidential.PartData(SECRET, "click", "短"), confidential.PartData("x" * 20_001, "click", NDA)):
        with pytest.raises(confidential.TradingError):
            confidential.save_part(holder, result, data)
    with pytest.raises(confidential.NotAllowed):
        confidential.save_part(make_user(), result, confidential.PartData(SECRET, "click", NDA))


def test_click_through_records_the_acceptance_and_opens_the_details(shared, login):
    client = login(shared["reader"])
    page = client.get(shared["url"]).get_data(as_text=True)
    assert SECRET not in page and NDA in page and 'name="nda_sha256"' in page
    listing_page = client.get(f"/results/{shared['result'].id}").get_data(as_text=True)
    assert SECRET not in listing_page and 'id="confidential-panel"' in listing_page
    page = _accept(client, shared["part"]).get_data(as_text=True)
    assert SECRET in page and 'id="confidential-detail"' in page
    grant = db.session.scalar(sa.select(AccessGrant))
    assert grant.user_id == shared["reader"].id
    assert grant.organisation_id == shared["reader"].organisation.id
    assert grant.text_sha256 == hashlib.sha256(NDA.encode()).hexdigest()
    assert grant.client_address == "127.0.0.1" and grant.accepted_at is not None
    assert grant.status is GrantStatus.GRANTED
    assert "已接受" in _accept(client, shared["part"]).get_data(as_text=True)  # twice: told, nothing new
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessGrant)) == 1
    # the holder sees who unlocked what
    holder_page = login(shared["holder"]).get(shared["url"]).get_data(as_text=True)
    assert 'id="access-list"' in holder_page and shared["reader"].email in holder_page
    assert "127.0.0.1" in holder_page and "nda_accepted" in holder_page


def test_a_new_nda_version_asks_again_and_an_old_acceptance_is_not_replayed(shared, login):
    client = login(shared["reader"])
    _accept(client, shared["part"])
    old_sha = shared["part"].current_version.sha256
    holder = login(shared["holder"])
    holder.post(f"{shared['url']}/edit", data={"detail": SECRET, "access_mode": "click",
                                               "nda_text": NDA + "第二版增加违约责任条款。"})
    db.session.refresh(shared["part"])
    assert shared["part"].current_version.number == 2
    page = client.get(shared["url"]).get_data(as_text=True)
    assert SECRET not in page and "第二版" in page
    assert not confidential.has_access(shared["reader"], shared["part"])
    page = _accept(client, shared["part"], sha=old_sha).get_data(as_text=True)  # the old page's form, replayed
    assert SECRET not in page and "协议已更新" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccessGrant)) == 1
    assert SECRET in _accept(client, shared["part"]).get_data(as_text=True)
    # saving the same NDA text again is not a new version
    holder.post(f"{shared['url']}/edit", data={"detail": SECRET + "补充", "access_mode": "click",
                                               "nda_text": NDA + "第二版增加违约责任条款。"})
    db.session.refresh(shared["part"])
    assert shared["part"].current_version.number == 2 and confidential.has_access(shared["reader"], shared["part"])


def test_approval_mode_waits_for_the_holder_who_approves_refuses_and_revokes(db, login, app, tmp_path):
    result, holder, part = confidential_result(mode="approval")
    first, second = make_user(make_org()), make_user(make_org())
    db.session.commit()
    url = f"/trading/confidential/result/{result.id}"
    page = _accept(login(first), part).get_data(as_text=True)
    assert SECRET not in page and 'id="request-pending"' in page
    _accept(login(second), part)
    grants = {g.user_id: g for g in db.session.scalars(sa.select(AccessGrant))}
    assert {g.status for g in grants.values()} == {GrantStatus.REQUESTED}
    holder_client = login(holder)
    holder_page = holder_client.get(url).get_data(as_text=True)
    assert holder_page.count("/approve") == 2
    holder_client.post(f"/trading/confidential/grants/{grants[first.id].id}/approve")
    holder_client.post(f"/trading/confidential/grants/{grants[second.id].id}/refuse")
    assert SECRET in login(first).get(url).get_data(as_text=True)
    assert SECRET not in login(second).get(url).get_data(as_text=True)
    page = holder_client.post(f"/trading/confidential/grants/{grants[second.id].id}/approve",
                              follow_redirects=True).get_data(as_text=True)
    assert "已处理" in page  # decided once only
    holder_client.post(f"/trading/confidential/grants/{grants[first.id].id}/revoke")
    assert SECRET not in login(first).get(url).get_data(as_text=True)
    page = _accept(login(first), part).get_data(as_text=True)
    assert "撤销" in page and SECRET not in page  # a revoked reader cannot unlock it again by clicking
    assert holder_client.post(f"/trading/confidential/grants/{grants[first.id].id}/revoke",
                              follow_redirects=True).status_code == 200
    actions = [e.action for e in confidential.trail(part)]
    assert actions.count("nda_accepted") == 2 and {"approved", "refused", "revoked"} <= set(actions)


def test_a_request_for_an_older_version_cannot_be_approved(db, login):
    result, holder, part = confidential_result(mode="approval")
    reader = make_user(make_org())
    grant = confidential.accept(reader, part, part.current_version.sha256, "10.0.0.1")
    confidential.save_part(holder, result, confidential.PartData(SECRET, "approval", NDA + "修订"))
    with pytest.raises(confidential.TradingError):
        confidential.decide(holder, grant.id, approve=True)
    # the refused reader may accept the new version
    assert confidential.accept(reader, part, part.current_version.sha256, "10.0.0.1").status is GrantStatus.REQUESTED


def test_operators_see_everything_but_do_not_decide(shared, login):
    operator = make_operator()
    client = login(operator)
    page = client.get(shared["url"]).get_data(as_text=True)
    assert SECRET in page and 'id="confidential-trail"' in page
    overview = client.get("/trading/confidential/").get_data(as_text=True)
    assert shared["result"].title in overview
    assert login(shared["reader"]).get("/trading/confidential/").status_code == 403
    _accept(login(shared["reader"]), shared["part"])
    grant = db.session.scalar(sa.select(AccessGrant))
    assert client.post(f"/trading/confidential/grants/{grant.id}/revoke").status_code == 403


def test_the_holder_cannot_accept_its_own_nda_and_strangers_cannot_edit(shared, login):
    page = _accept(login(shared["holder"]), shared["part"]).get_data(as_text=True)
    assert "无需接受" in page
    reader = login(shared["reader"])
    assert reader.get(f"{shared['url']}/edit").status_code == 403
    assert reader.post(f"{shared['url']}/edit", data={"detail": "x", "access_mode": "click",
                                                      "nda_text": NDA}).status_code == 403
    assert shared["part"].detail == SECRET


def test_the_panel_is_absent_for_strangers_when_there_is_no_part(login, db):
    result = make_achievement(make_org(OrgKind.UNIVERSITY))
    page = login(make_user()).get(f"/results/{result.id}").get_data(as_text=True)
    assert 'id="confidential-panel"' not in page
    assert login(make_user()).get(f"/trading/confidential/result/{result.id}").status_code == 404
    assert login(make_user()).get(f"/trading/confidential/offer/{result.id}").status_code == 404


def test_anonymous_visitors_see_the_panel_without_the_text_and_must_log_in(shared, client):
    page = client.get(f"/results/{shared['result'].id}").get_data(as_text=True)
    assert 'id="confidential-panel"' in page and SECRET not in page and NDA not in page
    assert client.get(shared["url"]).status_code == 302


# --- attachments --------------------------------------------------------------------------------

def _upload(client, part, name="测试报告.pdf", body=b"%PDF-1.4 secret drawing"):
    import io

    return client.post(f"/trading/confidential/{part.id}/attachments",
                       data={"file": (io.BytesIO(body), name)}, content_type="multipart/form-data",
                       follow_redirects=True)


def test_attachments_are_downloads_for_those_with_access_and_404_for_everyone_else(shared, login):
    holder = login(shared["holder"])
    _upload(holder, shared["part"])
    attachment = db.session.scalar(sa.select(ConfidentialAttachment))
    url = f"/trading/confidential/{shared['part'].id}/attachments/{attachment.id}"
    response = holder.get(url)
    assert response.status_code == 200 and response.data == b"%PDF-1.4 secret drawing"
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()
    reader = login(shared["reader"])
    missing = reader.get(f"/trading/confidential/{shared['part'].id}/attachments/{attachment.id + 999}")
    refused = reader.get(url)
    assert refused.status_code == missing.status_code == 404
    # no difference between "exists" and "does not" (but the language link's return address)
    def _page(response):
        return re.sub(r"请求编号: \w+", "", re.sub(r"next=[^\"]*", "", response.get_data(as_text=True)))
    assert _page(refused) == _page(missing)
    assert b"secret drawing" not in refused.data and "测试报告" not in reader.get(shared["url"]).get_data(as_text=True)
    for client in (login(make_operator()), reader):
        if client is reader:
            _accept(reader, shared["part"])
        response = client.get(url)
        assert response.status_code == 200
        response.close()
    # another part's id with this attachment's id: 404
    other, _holder, other_part = confidential_result()
    assert reader.get(f"/trading/confidential/{other_part.id}/attachments/{attachment.id}").status_code == 404
    downloads = [e for e in confidential.trail(shared["part"]) if e.action == "downloaded"]
    assert len(downloads) == 3


@pytest.mark.parametrize(("name", "body", "message"), [
    ("page.html", b"<script>", "允许的文件"),
    ("empty.pdf", b"", "文件是空的"),
    ("big.pdf", b"x" * (5 * 1024 * 1024 + 1), "5 MB"),
])
def test_bad_attachments_are_refused(shared, login, name, body, message):
    page = _upload(login(shared["holder"]), shared["part"], name, body).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConfidentialAttachment)) == 0


def test_only_the_holder_adds_or_removes_attachments(shared, login, tmp_path):
    reader = login(shared["reader"])
    _accept(reader, shared["part"])
    assert _upload(reader, shared["part"]).status_code == 403
    _upload(login(shared["holder"]), shared["part"])
    attachment = db.session.scalar(sa.select(ConfidentialAttachment))
    assert reader.post(f"/trading/confidential/attachments/{attachment.id}/delete").status_code == 403
    stranger = login(make_user())
    assert stranger.post(f"/trading/confidential/attachments/{attachment.id}/delete").status_code == 404
    page = login(shared["holder"]).post(f"/trading/confidential/attachments/{attachment.id}/delete",
                                        follow_redirects=True).get_data(as_text=True)
    assert "已删除" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConfidentialAttachment)) == 0
    assert not (tmp_path / "confidential" / attachment.stored_name).exists()  # the bytes are gone too
    assert _upload(login(shared["holder"]), shared["part"], name="").status_code == 200


def test_too_many_attachments(shared, monkeypatch):
    monkeypatch.setattr(confidential, "MAX_ATTACHMENTS", 1)
    from pathlib import Path

    from flask import current_app

    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    confidential.add_attachment(shared["holder"], shared["part"], "a.txt", b"1", upload_dir)
    with pytest.raises(confidential.TradingError):
        confidential.add_attachment(shared["holder"], shared["part"], "b.txt", b"2", upload_dir)


def test_a_missing_file_on_disk_is_a_404(shared, login, tmp_path):
    _upload(login(shared["holder"]), shared["part"])
    attachment = db.session.scalar(sa.select(ConfidentialAttachment))
    (tmp_path / "confidential" / attachment.stored_name).unlink()
    assert login(shared["holder"]).get(
        f"/trading/confidential/{shared['part'].id}/attachments/{attachment.id}").status_code == 404


# --- never leaks --------------------------------------------------------------------------------

def test_confidential_text_is_not_in_the_search_index(shared, index, login):
    from tt_platform.indexing import sync

    sync.rebuild()
    doc = index.get(f"achievement:{shared['result'].id}")
    assert doc is not None and SECRET not in repr(doc) and "XQ7731" not in repr(doc)
    page = login(shared["reader"]).get("/results/", query_string={"q": "XQ7731"}).get_data(as_text=True)
    assert shared["result"].title not in page


def test_confidential_text_is_not_in_the_api_or_the_exports(shared, login):
    client = login(shared["reader"])
    for url in (f"/api/v1/match/result/{shared['result'].id}", "/results/export.csv", "/results/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET.encode() not in response.data and b"XQ7731" not in response.data, url
    # not even for the holder's own listing export, which the holder's colleagues may pass on
    response = login(shared["holder"]).get("/results/export.csv")
    assert b"XQ7731" not in response.data


def test_csrf_is_required_on_every_trading_post(shared, app, login):
    client = login(shared["holder"])
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        responses = [
            client.post(f"{shared['url']}/edit", data={"detail": "x", "access_mode": "click", "nda_text": NDA}),
            client.post(f"/trading/confidential/{shared['part'].id}/accept",
                        data={"nda_sha256": shared["part"].current_version.sha256}),
            client.post("/trading/confidential/grants/1/revoke"),
            client.post(f"/trading/confidential/{shared['part'].id}/attachments"),
            client.post("/trading/confidential/attachments/1/delete"),
        ]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert [r.status_code for r in responses] == [400] * len(responses)
    assert shared["part"].detail == SECRET


# --- the permission matrix ----------------------------------------------------------------------

ROLES = ("anonymous", "stranger", "grantee", "holder", "operator")


def _matrix_clients(shared, login, client):
    grantee = make_user(make_org())
    confidential.accept(grantee, shared["part"], shared["part"].current_version.sha256, "127.0.0.1")
    db.session.commit()
    return {"anonymous": client, "stranger": login(shared["reader"]), "grantee": login(grantee),
            "holder": login(shared["holder"]), "operator": login(make_operator())}


@pytest.mark.parametrize(("path", "expected"), [
    # who reads the confidential text
    ("{url}", {"anonymous": 302, "stranger": 200, "grantee": 200, "holder": 200, "operator": 200}),
    ("{url}/edit", {"anonymous": 302, "stranger": 403, "grantee": 403, "holder": 200, "operator": 403}),
    ("/trading/confidential/", {"anonymous": 302, "stranger": 403, "grantee": 403, "holder": 403,
                                "operator": 200}),
])
def test_permission_matrix_pages(shared, login, client, path, expected):
    clients = _matrix_clients(shared, login, client)
    got = {role: clients[role].get(path.format(url=shared["url"])).status_code for role in ROLES}
    assert got == expected


def test_permission_matrix_who_sees_the_text(shared, login, client):
    clients = _matrix_clients(shared, login, client)
    sees = {role: SECRET in clients[role].get(shared["url"], follow_redirects=True).get_data(as_text=True)
            for role in ROLES}
    assert sees == {"anonymous": False, "stranger": False, "grantee": True, "holder": True, "operator": True}


def test_permission_matrix_hidden_listing(db, login):
    """A withdrawn listing's confidential part is hidden from everyone but the holder and operators,
    grantees included."""
    from tt_platform.listings.models import ListingStatus

    result, holder, part = confidential_result()
    grantee = make_user(make_org())
    confidential.accept(grantee, part, part.current_version.sha256, "127.0.0.1")
    result.status = ListingStatus.DRAFT
    db.session.commit()
    url = f"/trading/confidential/result/{result.id}"
    assert login(grantee).get(url).status_code == 404
    assert not confidential.has_access(grantee, part)
    assert login(holder).get(url).status_code == 200
    assert login(make_operator()).get(url).status_code == 200
    assert login(grantee).post(f"/trading/confidential/{part.id}/accept",
                               data={"nda_sha256": part.current_version.sha256}).status_code == 404
