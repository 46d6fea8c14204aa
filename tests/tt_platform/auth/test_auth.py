import re

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD, make_org, make_user
from tt_platform import taxonomy
from tt_platform.accounts.models import Membership, Organisation, OrgKind, Role, User, Verification
from tt_platform.audit.models import AuditEntry

GOOD_CODE = taxonomy.make_uscc(777001, "330100")


def registration(**overrides):
    data = {
        "kind": "enterprise", "org_name": "杭州测试科技有限公司", "credit_code": GOOD_CODE, "region_code": "330100",
        "party_type": "E1", "contact_name": "王五", "contact_phone": "0571-12345678",
        "contact_email": "contact@example.cn", "name": "王五", "email": "wangwu@example.cn",
        "password": "a-long-enough-password", "confirm": "a-long-enough-password", "accept_terms": "y",
    }
    data.update(overrides)
    return data


def count(model):
    from tt_platform.database import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_register_creates_pending_organisation_with_admin(client, db):
    response = client.post("/register", data=registration())
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "wangwu@example.cn"))
    assert user.password_hash.startswith("$argon2id$")
    assert user.membership.is_org_admin and user.membership.role is Role.ENTERPRISE
    assert user.organisation.verification is Verification.PENDING
    assert user.organisation.credit_code == GOOD_CODE
    audit = db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "organisation"))
    assert audit == "registered"


def test_register_broker_keeps_credential(client, db):
    client.post("/register", data=registration(kind="agency", party_type="S", broker_level="senior",
                                               broker_certificate_no="JJR-2026-001"))
    user = db.session.scalar(sa.select(User).where(User.email == "wangwu@example.cn"))
    assert user.membership.role is Role.BROKER
    assert user.membership.broker_level.label == "高级技术经理人"
    assert user.membership.broker_certificate_no == "JJR-2026-001"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"credit_code": GOOD_CODE[:-1] + ("0" if GOOD_CODE[-1] != "0" else "1")}, "统一社会信用代码无效"),
    ({"region_code": "999999"}, "请从列表中选择地区"),
    ({"party_type": "ZZ"}, "请从列表中选择"),
    ({"password": "short", "confirm": "short"}, "至少 12 个字符"),
    ({"confirm": "something-else-entirely"}, "两次输入的密码不一致"),
    ({"kind": "operator"}, "请从列表中选择"),
    ({"org_name": ""}, "此项为必填项"),
    ({"email": "not-an-email"}, "有效的电子邮箱"),
    ({"org_name": "长" * 201}, "长度须在"),
])
def test_bad_registrations_explain_and_write_nothing(client, db, overrides, message):
    before = (count(User), count(Organisation), count(Membership))
    response = client.post("/register", data=registration(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (count(User), count(Organisation), count(Membership)) == before


def test_duplicate_organisation_is_refused(client, db):
    existing = make_org()
    response = client.post("/register", data=registration(credit_code=existing.credit_code))
    assert "该机构已注册" in response.get_data(as_text=True)


def test_login_logout(client, db):
    user = make_user()
    response = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_is_refused(client, db):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "wrong-password-123"})
    assert "电子邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/dashboard").status_code == 302


def test_login_sets_hardened_cookie(client, db):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, db, target):
    user = make_user()
    response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/dashboard"


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


def test_password_reset_by_mail(client, db, outbox_mail):
    user = make_user()
    client.post("/password/forgot", data={"email": user.email})
    assert len(outbox_mail) == 1
    link = re.search(r"http://localhost(/password/reset/\S+)", outbox_mail[0].get_content()).group(1)
    response = client.post(link, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": user.email, "password": "brand-new-password"}).status_code == 302
    # the link is single-use: the password hash it was bound to has changed
    assert client.get(link).status_code == 302
    assert "链接无效" in client.get(link, follow_redirects=True).get_data(as_text=True)


def test_forgot_password_does_not_reveal_accounts(client, db, outbox_mail):
    response = client.post("/password/forgot", data={"email": "nobody@example.cn"}, follow_redirects=True)
    assert "如果该邮箱已注册" in response.get_data(as_text=True)
    assert outbox_mail == []


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


@pytest.mark.ratelimit
def test_failed_logins_are_rate_limited(app, db):
    from tt_platform.extensions import limiter

    app.config["LOGIN_RATE_LIMIT"] = "10/minute"
    limiter.reset()
    try:
        client = app.test_client()
        codes = [client.post("/login", data={"email": "a@example.cn", "password": "wrong-password-1"}).status_code
                 for _ in range(11)]
        assert codes[:10] == [200] * 10
        assert codes[10] == 429
    finally:
        limiter.reset()
        app.config["LOGIN_RATE_LIMIT"] = "100000/minute"
