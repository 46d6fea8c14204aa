import re

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD, make_org, make_user
from tt_platform import taxonomy
from tt_platform.accounts.models import Membership, Organisation, Role, User, Verification
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
