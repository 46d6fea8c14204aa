"""My account and my organisation: profile, password change, editing the organisation, inviting colleagues."""
import re

import sqlalchemy as sa

from tests.factories import PASSWORD, make_org, make_user
from tt_platform.accounts import passwords
from tt_platform.accounts.models import Invitation, OrgKind, Role, User, Verification


def org_form(org, **overrides):
    data = {"org_name": org.name, "credit_code": org.credit_code, "region_code": org.region_code,
            "party_type": org.party_type, "contact_name": org.contact_name, "contact_phone": org.contact_phone,
            "contact_email": org.contact_email}
    data.update(overrides)
    return data


def test_password_change_ends_other_sessions(app, db):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
    response = first.post("/account/password", data={
        "pw-current": PASSWORD, "pw-password": "another-long-password", "pw-confirm": "another-long-password"})
    assert response.status_code == 302
    assert first.get("/dashboard").status_code == 200
    assert second.get("/dashboard").status_code == 302  # the old cookie no longer works


def test_invitation_flow(login, client, db, outbox_mail):
    admin = make_user(make_org(OrgKind.AGENCY), admin=True)
    response = login(admin).post("/account/organisation/invite", data={"inv-email": "colleague@example.cn"})
    assert response.status_code == 302
    link = re.search(r"http://localhost(/invitation/\S+)", outbox_mail[0].get_content()).group(1)
    response = client.post(link, data={"name": "新同事", "password": "colleague-password", "confirm":
                                       "colleague-password", "broker_level": "junior"})
    assert response.status_code == 302
    colleague = db.session.scalar(sa.select(User).where(User.email == "colleague@example.cn"))
    assert colleague.organisation.id == admin.organisation.id
    assert colleague.membership.role is Role.BROKER and not colleague.membership.is_org_admin
    assert client.get(link).status_code == 302  # used up


def test_only_admins_invite(login, db, outbox_mail):
    org = make_org()
    member = make_user(org, admin=False)
    login(member).post("/account/organisation/invite", data={"inv-email": "x@example.cn"})
    assert outbox_mail == []


def test_the_profile_saves_name_phone_and_language(login, db):
    user = make_user()
    client = login(user)
    response = client.post("/account/", data={"name": "新名字", "phone": "13600000000", "locale": "en"})
    assert response.status_code == 302
    assert (user.name, user.phone, user.locale) == ("新名字", "13600000000", "en")
    assert "Technology demands" in client.get("/").get_data(as_text=True)  # the session speaks English now


def test_a_wrong_current_password_changes_nothing(login, db):
    user = make_user()
    old_hash, old_version = user.password_hash, user.session_version
    response = login(user).post("/account/password", data={
        "pw-current": "not-my-password-1", "pw-password": "another-long-password",
        "pw-confirm": "another-long-password"}, follow_redirects=True)
    assert "当前密码不正确" in response.get_data(as_text=True)
    assert user.password_hash == old_hash and user.session_version == old_version


def test_a_weak_new_password_is_refused(login, db):
    user = make_user()
    old_hash = user.password_hash
    response = login(user).post("/account/password", data={
        "pw-current": PASSWORD, "pw-password": "short", "pw-confirm": "short"}, follow_redirects=True)
    assert "至少 12 个字符" in response.get_data(as_text=True)
    assert user.password_hash == old_hash
    assert passwords.verify_password(user.password_hash, PASSWORD)[0]


def test_an_admin_edits_the_organisation_and_a_new_name_needs_verification_again(login, db):
    org = make_org()
    client = login(make_user(org, admin=True))
    response = client.post("/account/organisation", data=org_form(org, contact_name="新联系人"))
    assert response.status_code == 302
    assert org.contact_name == "新联系人" and org.verification is Verification.VERIFIED
    client.post("/account/organisation", data=org_form(org, org_name="改名后的科技公司"))
    assert org.name == "改名后的科技公司" and org.verification is Verification.PENDING
    assert "改名后的科技公司" in client.get("/account/organisation").get_data(as_text=True)


def test_a_member_who_is_not_admin_cannot_edit_the_organisation(login, db):
    org = make_org(name="原机构名称")
    client = login(make_user(org, admin=False))
    assert client.get("/account/organisation").status_code == 200  # members may look
    response = client.post("/account/organisation", data=org_form(org, org_name="被改掉的名称"))
    assert response.status_code == 403
    assert org.name == "原机构名称" and org.verification is Verification.VERIFIED


def test_a_taken_credit_code_is_refused(login, db):
    org, other = make_org(), make_org()
    response = login(make_user(org, admin=True)).post(
        "/account/organisation", data=org_form(org, credit_code=other.credit_code))
    assert "已有其他机构使用该统一社会信用代码注册" in response.get_data(as_text=True)
    assert org.credit_code != other.credit_code


def test_a_rejected_organisation_sees_the_reason(login, db):
    org = make_org(verified=False)
    org.verification, org.rejection_reason = Verification.REJECTED, "营业执照已过期"
    html = login(make_user(org)).get("/account/organisation").get_data(as_text=True)
    assert "营业执照已过期" in html


def test_an_admin_may_invite_another_admin(login, client, db, outbox_mail):
    org = make_org(OrgKind.UNIVERSITY)
    admin = make_user(org, admin=True)
    login(admin).post("/account/organisation/invite", data={"inv-email": "Dean@Example.cn", "inv-as_admin": "y"})
    invitation = db.session.scalar(sa.select(Invitation))
    assert invitation.email == "dean@example.cn" and invitation.is_org_admin
    link = re.search(r"http://localhost(/invitation/\S+)", outbox_mail[0].get_content()).group(1)
    client.post(link, data={"name": "院长", "password": "dean-long-password", "confirm": "dean-long-password"})
    dean = db.session.scalar(sa.select(User).where(User.email == "dean@example.cn"))
    assert dean.membership.role is Role.RESEARCH and dean.membership.is_org_admin
    assert dean.organisation.id == org.id


def test_inviting_an_existing_account_is_refused(login, db, outbox_mail):
    admin = make_user(admin=True)
    existing = make_user()
    response = login(admin).post("/account/organisation/invite", data={"inv-email": existing.email},
                                 follow_redirects=True)
    assert "该电子邮箱已注册" in response.get_data(as_text=True)
    assert outbox_mail == [] and db.session.scalar(sa.select(Invitation)) is None


def test_a_user_without_an_organisation_has_no_organisation_page(login, db):
    loner = User(email="loner@example.cn", name="无机构", password_hash=passwords.hash_password(PASSWORD))
    db.session.add(loner)
    db.session.flush()
    client = login(loner)
    assert client.get("/account/").status_code == 200
    assert client.get("/account/organisation").status_code == 404
    assert client.post("/account/organisation/invite", data={"inv-email": "x@example.cn"}).status_code == 404
