"""OWASP ASVS 4.0.3 level 2, the testable items (see SECURITY.md for the whole checklist).

Each test names what it proves and cites its ASVS id. Rows proved elsewhere are listed in SECURITY.md
with the test that proves them.
"""
from __future__ import annotations

import ast
import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import (
    PASSWORD,
    contract_data,
    make_achievement,
    make_broker,
    make_demand,
    make_org,
    make_user,
)
from tests.tt_platform.challenges.helpers import live_window, published
from tests.tt_platform.demands.form_data import demand_form
from tt_platform.accounts import passwords
from tt_platform.accounts.models import OrgKind, Role, User, Verification
from tt_platform.api import tokens
from tt_platform.brokerage import services as cases
from tt_platform.brokerage.models import Case, Stage
from tt_platform.challenges import services as challenge_services
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract, ContractStatus
from tt_platform.demands.models import Demand
from tt_platform.listings.models import ListingStatus

PACKAGE = Path(__file__).resolve().parents[2] / "tt_platform"
EVIL = "https://evil.example"
MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def log_in(client, user, password=PASSWORD, **extra):
    response = client.post("/login", data={"email": user.email, "password": password, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def cookie(client, name="session"):
    found = client.get_cookie(name)
    return found.value if found else None


def replay(app, value, name="session"):
    """A fresh browser that holds only a captured cookie."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other


# --- V2 authentication ---------------------------------------------------------------------------

@pytest.mark.parametrize(("password", "ok"), [
    ("elevenchars", False),  # 11 characters
    ("twelve chars", True),
    ("x" * 128, False),  # fewer than 4 distinct characters
    ("password1234", False), ("Password2026!", False), ("qwerty123456789", False), ("woaini1314520", False),
    ("1234567890123", False), ("abcdefghijklmn", False),
    ("correct horse battery staple", True), ("demo-password-2026", True), ("风电叶片覆冰监测的口令", False),
    ("风电叶片覆冰监测与除冰技术", True),
])
def test_passwords_need_12_characters_and_not_a_common_one(app, password, ok):
    """ASVS 2.1.1 (at least 12 characters) and 2.1.7 (common and breached passwords are refused, from a
    list shipped with the code: no online breach check)."""
    with app.test_request_context():
        assert (passwords.password_problem(password) is None) is ok


def test_registration_refuses_a_common_password_with_a_message(client, db):
    """ASVS 2.1.7 through the form: the person is told why, nothing is written."""
    from tests.tt_platform.auth.test_auth import registration

    response = client.post("/register", data=registration(password="Password2026!", confirm="Password2026!"))
    assert response.status_code == 200
    assert "密码过于常见" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "wangwu@example.cn")) is None


@pytest.mark.ratelimit
def test_failed_logins_are_throttled_per_account_across_addresses(app, db):
    """ASVS 2.2.1: the throttle counts failures per account as well as per address, so spreading the
    guesses over many addresses does not help."""
    from tt_platform.extensions import limiter

    user = make_user()
    db.session.commit()
    app.config["LOGIN_RATE_LIMIT"] = "5/minute"
    limiter.reset()
    try:
        codes = []
        for n in range(6):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
            codes.append(client.post("/login", data={"email": user.email.upper(), "password": "wrong-password-1"})
                         .status_code)
        assert codes == [200] * 5 + [429]
        # the account is throttled, other accounts are not
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "198.51.100.99"
        assert other.post("/login", data={"email": "someone-else@example.cn",
                                          "password": "wrong-password-1"}).status_code == 200
    finally:
        limiter.reset()
        app.config["LOGIN_RATE_LIMIT"] = "100000/minute"


def test_a_legacy_hash_is_replaced_on_login(app, client, db):
    """ASVS 2.4.1: Argon2id; a hash made with older (cheaper) parameters is rehashed at the next login."""
    user = make_user()
    from argon2 import PasswordHasher

    user.password_hash = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old = user.password_hash
    log_in(client, user)
    db.session.refresh(user)
    assert user.password_hash != old and user.password_hash.startswith("$argon2id$")


# --- V3 sessions ---------------------------------------------------------------------------------

def test_login_starts_a_new_session_and_drops_what_was_there(client, db):
    """ASVS 3.2.1: logging in issues a new session cookie; keys planted before login are gone."""
    user = make_user()
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_fresh"] = False
    before = cookie(client)
    log_in(client, user)
    assert cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_a_session_cookie_replayed_after_logout_is_refused(app, client, db):
    """ASVS 3.3.1: logout ends the session on the server's side too: a copy of the cookie taken before
    logout (signed cookies stay valid on their own) no longer logs anyone in."""
    user = make_user()
    db.session.commit()
    log_in(client, user)
    stolen = cookie(client)
    assert replay(app, stolen).get("/dashboard").status_code == 200
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302
    response = replay(app, stolen).get("/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert replay(app, stolen).get("/api/v1/contracts").status_code == 401


def test_a_remember_me_cookie_replayed_after_logout_is_refused(app, client, db):
    """ASVS 3.3.1 for the long-lived "keep me logged in" cookie."""
    user = make_user()
    db.session.commit()
    log_in(client, user, remember="y")
    remembered = cookie(client, "remember_token")
    assert remembered
    assert replay(app, remembered, "remember_token").get("/dashboard").status_code == 200
    client.post("/logout")
    assert replay(app, remembered, "remember_token").get("/dashboard").status_code == 302


def test_changing_the_password_ends_every_other_session(app, db):
    """ASVS 3.3.3: after a password change, other sessions (another browser, a stolen cookie) are
    refused; the session that changed it goes on."""
    user = make_user()
    db.session.commit()
    mine, theirs = app.test_client(), app.test_client()
    log_in(mine, user)
    log_in(theirs, user)
    stolen = cookie(theirs)
    new = "a-brand-new-password-2026"
    response = mine.post("/account/password", data={"pw-current": PASSWORD, "pw-password": new, "pw-confirm": new})
    assert response.status_code == 302
    assert mine.get("/dashboard").status_code == 200
    assert theirs.get("/dashboard").status_code == 302
    assert replay(app, stolen).get("/dashboard").status_code == 302


def test_a_password_reset_by_mail_ends_every_session(app, client, db, outbox_mail):
    """ASVS 3.3.3 (and 2.5.x): resetting a forgotten password logs out every browser."""
    user = make_user()
    db.session.commit()
    browser = app.test_client()
    log_in(browser, user)
    client.post("/password/forgot", data={"email": user.email})
    link = re.search(r"http://localhost(/password/reset/\S+)", outbox_mail[-1].get_content()).group(1)
    client.post(link, data={"password": "another-fresh-password", "confirm": "another-fresh-password"})
    assert browser.get("/dashboard").status_code == 302


def test_session_and_remember_cookies_are_secure_httponly_samesite(client, db):
    """ASVS 3.4.1 (Secure), 3.4.2 (HttpOnly), 3.4.3 (SameSite) on both cookies the login sets."""
    user = make_user()
    db.session.commit()
    response = log_in(client, user, remember="y")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for name in ("session", "remember_token"):
        flags = [part.strip().lower() for part in cookies[name].split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, cookies[name]


# --- V4 access control ---------------------------------------------------------------------------

def test_a_failing_permission_check_fails_closed(app, login, db, monkeypatch):
    """ASVS 4.1.5: when the permission check itself breaks, the request is refused (an error page),
    never served."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    user = make_user()
    db.session.commit()

    calls = []

    def broken(self):
        calls.append(1)
        if len(calls) == 1:  # the permission check; the error page's menu may ask again
            raise RuntimeError("role lookup failed")
        return False

    monkeypatch.setattr(User, "is_operator", property(broken))
    response = login(user).get("/review/")
    assert response.status_code == 500
    assert "role lookup failed" not in response.get_data(as_text=True)


@pytest.fixture
def csrf_user(csrf_app, csrf_db):
    user = make_broker()
    csrf_db.session.commit()
    return user


def _token(client, path="/account/"):
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_form_posts_without_the_csrf_token_are_refused(csrf_app, csrf_db, csrf_user):
    """ASVS 4.2.2: with CSRF protection on (as in production), a logged-in user's state-changing form
    POST without the token gets 400 and changes nothing; with the token it goes through."""
    client = csrf_app.test_client(user=csrf_user)
    for path, data in (("/account/", {"name": "改过的名字", "locale": "en"}), ("/demands/new", demand_form()),
                       ("/logout", {})):
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert "表单已过期" in response.get_data(as_text=True)
    csrf_db.session.refresh(csrf_user)
    assert csrf_user.name != "改过的名字"
    assert client.get("/dashboard").status_code == 200  # the forged logout did nothing
    ok = client.post("/account/", data={"name": "改过的名字", "locale": "zh_CN", "csrf_token": _token(client)})
    assert ok.status_code == 302
    assert client.post("/account/", data={"name": "x", "locale": "en", "csrf_token": "forged"}).status_code == 400


def test_cookie_authenticated_json_writes_need_the_csrf_header(csrf_app, csrf_db, csrf_user):
    """ASVS 13.2.3 (and 4.2.2): an API write that rides on the browser's session cookie needs the
    X-CSRFToken header, whatever the body's type (a text/plain "simple request" included); a bearer
    token needs none (no ambient credential to forge)."""
    demand, result = make_demand(), make_achievement()
    csrf_db.session.commit()
    body = {"demand_ids": [demand.id], "result_ids": [result.id]}
    client = csrf_app.test_client(user=csrf_user)
    assert client.post("/api/v1/cases", json=body).status_code == 400
    assert client.post("/api/v1/cases", data='{"demand_ids": []}', content_type="text/plain").status_code == 400
    assert client.post("/api/v1/cases", json=body, headers={"X-CSRFToken": "forged"}).status_code == 400
    assert csrf_db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    created = client.post("/api/v1/cases", json=body, headers={"X-CSRFToken": _token(client)})
    assert created.status_code == 201
    _token_row, secret = tokens.issue(csrf_user, "script")
    csrf_db.session.commit()
    bare = csrf_app.test_client()
    assert bare.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {secret}"}).status_code == 201


# --- V5 validation, sanitisation, encoding -------------------------------------------------------

def test_registration_ignores_fields_that_would_raise_privileges(client, db):
    """ASVS 5.1.2: extra fields (verified, operator, registrar, registration office, session version)
    in a registration are ignored; the organisation still waits for verification."""
    from tests.tt_platform.auth.test_auth import registration

    extra = {"verification": "verified", "role": "operator", "is_admin": "y", "is_operator": "y",
             "is_registrar": "y", "is_registration_office": "y", "session_version": "99", "active": "y",
             "organisation_id": "1", "id": "1"}
    assert client.post("/register", data=registration(**extra)).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "wangwu@example.cn"))
    assert user.organisation.verification is Verification.PENDING and not user.organisation.is_registration_office
    assert user.role is Role.ENTERPRISE and not user.is_operator and not user.is_registrar
    assert user.session_version == 1


def test_a_new_demand_ignores_owner_status_and_flags_sent_with_it(login, db):
    """ASVS 5.1.2: a demand form with organisation, author, status and demo fields added is saved as a
    draft of the sender's own organisation."""
    user, other = make_user(admin=True), make_user(make_org(), admin=True)
    db.session.commit()
    extra = {"organisation_id": str(other.organisation.id), "created_by_id": str(other.id), "status": "published",
             "published_at": "2026-01-01T00:00:00", "is_demo": "y", "owner_id": str(other.id), "id": "1",
             "review_note": "已通过"}
    assert login(user).post("/demands/new", data=demand_form(**extra)).status_code == 302
    demand = db.session.scalar(sa.select(Demand))
    assert demand.organisation_id == user.organisation.id and demand.created_by_id == user.id
    assert demand.status is ListingStatus.DRAFT and demand.published_at is None
    assert not demand.is_demo and demand.review_note is None


def test_the_profile_form_changes_only_name_phone_and_language(login, db):
    """ASVS 5.1.2: e-mail, activity and the session version cannot be set through the profile form."""
    user = make_user()
    db.session.commit()
    email = user.email
    response = login(user).post("/account/", data={"name": "新名字", "locale": "en", "email": "attacker@evil.example",
                                                  "active": "", "session_version": "7", "password_hash": "x"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.email, user.active, user.session_version) == ("新名字", email, True, 1)


def test_api_writes_ignore_status_numbers_and_owners_in_the_body(client, db):
    """ASVS 5.1.2 on the JSON API: a new contract stays a draft without a registration number or office
    whatever the body says; a new case belongs to the calling broker at the first stage."""
    broker, other_broker = make_broker(), make_broker()
    seller, buyer = make_org(OrgKind.UNIVERSITY), make_org()
    _row, secret = tokens.issue(broker, "t")
    demand, result = make_demand(buyer), make_achievement(seller)
    db.session.commit()
    auth = {"Authorization": f"Bearer {secret}"}
    body = {"name": "技术转让合同", "subtype_code": "TRF-01", "field_code": "T06", "payment_mode": "lump_sum",
            "signed_on": "2026-06-01", "seller": {"organisation_id": seller.id},
            "buyer": {"organisation_id": buyer.id}, "items": [{"description": "转让费", "amount_yuan": "1000"}],
            "status": "registered", "registration_number": "2026330100000001", "office_id": buyer.id,
            "registered_on": "2026-06-02", "is_demo": True, "broker_id": other_broker.id, "id": 1}
    created = client.post("/api/v1/contracts", json=body, headers=auth)
    assert created.status_code == 201, created.get_json()
    contract = db.session.get(Contract, created.get_json()["id"])
    assert contract.status is ContractStatus.DRAFT and contract.registration_number is None
    assert contract.registered_on is None and not contract.is_demo
    case = client.post("/api/v1/cases", json={"demand_ids": [demand.id], "result_ids": [result.id],
                                              "broker_id": other_broker.id, "agency_id": other_broker.organisation.id,
                                              "stage": "signed", "source": "roadshow"}, headers=auth)
    assert case.status_code == 201
    data = case.get_json()
    assert data["broker_id"] == broker.id and data["agency_id"] == broker.organisation.id
    assert data["stage"] == Stage.INTENT.value


@pytest.mark.parametrize("target", [
    "https://evil.example/x", "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "https:evil.example", "javascript:alert(1)", "HTTPS://EVIL.EXAMPLE", " //evil.example",
    "/%2F/evil.example/..", "http://localhost@evil.example",
])
def test_next_never_leads_off_the_site(client, db, target):
    """ASVS 5.1.5: ?next= after login and after a language switch only ever points at this site."""
    user = make_user()
    db.session.commit()
    for response in (client.post("/login", query_string={"next": target},
                                 data={"email": user.email, "password": PASSWORD}),
                     client.get("/lang/en", query_string={"next": target})):
        assert response.status_code == 302
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location
        assert not re.match(r"^/[\s/\\]", location), location
    client.post("/logout")


def test_a_same_site_next_is_followed(client, db):
    """ASVS 5.1.5, the other side: a relative path on this site is where the login goes."""
    user = make_user()
    db.session.commit()
    response = client.post("/login?next=/cases/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/cases/"


def _inert(html: str) -> None:
    assert "<script>alert(1)" not in html and "<img src=x" not in html and "onerror=alert(2)>" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_stored_markup_is_inert_on_public_list_and_detail_pages(client, db, index):
    """ASVS 5.2.1 / 5.3.3: markup stored in titles, summaries, keywords and organisation names is shown
    as text on the home page, lists (engine-served, with highlighted search snippets), detail, match
    and organisation pages."""
    from tt_platform.indexing import sync

    org = make_org(name=f"机构{MARKUP}")
    university = make_org(OrgKind.UNIVERSITY, name=f"高校{MARKUP}")
    demand = make_demand(org, title=f"覆冰监测{MARKUP}", summary=f"摘要{MARKUP}", keywords="覆冰,<b>x</b>")
    result = make_achievement(university, title=f"覆冰技术{MARKUP}", summary=f"摘要{MARKUP}")
    db.session.commit()
    sync.rebuild()
    for path in ("/", "/demands/", "/demands/?q=覆冰", "/results/", "/results/?q=覆冰", f"/demands/{demand.id}",
                 f"/results/{result.id}", f"/orgs/{org.id}", f"/orgs/{university.id}",
                 f"/matches/demand/{demand.id}", f"/matches/result/{result.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        _inert(response.get_data(as_text=True))


def test_stored_markup_is_inert_on_deal_pages(app, login, db, tmp_path, monkeypatch):
    """ASVS 5.2.1 / 5.3.3 on the confidential side: case titles, notes, document names and contract
    names are escaped on the case and contract lists and detail pages."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    broker = make_broker()
    enterprise, university = make_org(), make_org(OrgKind.UNIVERSITY)
    case = cases.open_case(broker, f"对接{MARKUP}", [make_demand(enterprise)], [make_achievement(university)])
    cases.add_note(broker, case, f"记录{MARKUP}")
    cases.add_document(broker, case, "方案<img src=x onerror=alert(2)>.pdf", b"%PDF-1.4", tmp_path)
    seller_user = make_user(university)
    contract = contracts.create(seller_user, contract_data(university, enterprise, name=f"合同{MARKUP}"))
    db.session.commit()
    for who, path in ((broker, "/cases/"), (broker, f"/cases/{case.id}"), (seller_user, "/contracts/"),
                      (seller_user, f"/contracts/{contract.id}")):
        response = login(who).get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert "<script>alert(1)" not in html and "<img src=x" not in html, path


def test_tokens_and_secrets_come_from_a_csprng(app, db):
    """ASVS 6.3.1 (and 6.2.x): API tokens are long `secrets` values; `random` is imported only by the
    demo data loader, never where a secret or token is made."""
    user = make_user()
    _row, secret = tokens.issue(user, "t")
    assert secret.startswith("ttp_") and len(secret) >= 40
    importers = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) else [])
            if "random" in names:
                importers.add(path.relative_to(PACKAGE).parts[0])
    assert importers <= {"demo"}, importers


# --- V7 logging and errors -----------------------------------------------------------------------

def test_no_password_or_token_reaches_the_logs(app, client, db, caplog, outbox_mail):
    """ASVS 7.1.1: logins (failed and good), a password reset by mail, a password change and an API call
    with a token log neither the passwords, nor the reset token, nor the session cookie, nor the token."""
    caplog.set_level(logging.DEBUG)
    user = make_user()
    _row, api_secret = tokens.issue(user, "t")
    db.session.commit()
    wrong, reset_to, changed = "Wrong-Secret-Guess-41", "Reset-Secret-Chosen-42", "Changed-Secret-Chosen-43"
    client.post("/login", data={"email": user.email, "password": wrong})
    client.post("/login", data={"email": "nobody@example.cn", "password": wrong})
    client.post("/password/forgot", data={"email": user.email})
    link = re.search(r"http://localhost(/password/reset/(\S+))", outbox_mail[-1].get_content())
    client.post(link.group(1), data={"password": reset_to, "confirm": reset_to})
    log_in(client, user, reset_to)
    session_cookie = cookie(client)
    client.post("/account/password", data={"pw-current": reset_to, "pw-password": changed, "pw-confirm": changed})
    client.get("/api/v1/contracts", headers={"Authorization": f"Bearer {api_secret}"})
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "failed login" in logged  # the logs are being captured at all
    for secret in (PASSWORD, wrong, reset_to, changed, link.group(2), session_cookie, api_secret):
        assert secret not in logged


def test_failed_logins_and_refusals_are_logged_with_who_and_where(app, client, login, db, caplog):
    """ASVS 7.1.3 / 7.2.1 / 7.2.2: a failed login is logged with the account (its id, never the password)
    and the address; a refused operator page with the user and the path (records carry UTC times)."""
    caplog.set_level(logging.INFO)
    user = make_user()
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": "Wrong-Secret-Guess-41"},
                environ_base={"REMOTE_ADDR": "203.0.113.7"})
    failed = [r.getMessage() for r in caplog.records if "failed login" in r.getMessage()]
    assert failed and f"user {user.id}" in failed[-1] and "203.0.113.7" in failed[-1]
    assert login(user).get("/review/").status_code == 403
    refused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("403")]
    assert refused and user.get_id().split(":")[0] in refused[-1] and "/review/" in refused[-1]


def test_a_server_error_shows_no_traceback_but_the_request_id(app, client, db, monkeypatch, caplog):
    """ASVS 7.4.1: an unexpected exception gives a generic page (HTML) or message (API) with the request
    id, which is also in the log line with the traceback; no exception text reaches the client."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def boom(*args, **kwargs):
        raise RuntimeError("secret-internal-detail /srv/tt_platform/db.py")

    from tt_platform.api import views as api_views
    from tt_platform.main import views as main_views

    monkeypatch.setattr(main_views, "public_filter", boom)
    monkeypatch.setattr(api_views.roadshows, "upcoming", boom)
    caplog.set_level(logging.ERROR)
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "Traceback" not in html and "secret-internal-detail" not in html and "RuntimeError" not in html
    request_id = re.search(r"请求编号: ([0-9a-f]{12})", html).group(1)
    assert request_id in caplog.text and "secret-internal-detail" in caplog.text
    api = client.get("/api/v1/roadshows")
    assert api.status_code == 500
    body = api.get_json()
    assert set(body) == {"error", "status", "request_id"} and re.fullmatch(r"[0-9a-f]{12}", body["request_id"])
    assert "secret-internal-detail" not in api.get_data(as_text=True)


# --- V8 data protection --------------------------------------------------------------------------

def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


@pytest.fixture
def deal_world(app, db, tmp_path, monkeypatch):
    from tests.factories import make_registrar

    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    broker = make_broker()
    enterprise, university = make_org(), make_org(OrgKind.UNIVERSITY)
    seller = make_user(university, admin=True)
    case = cases.open_case(broker, "对接", [make_demand(enterprise)], [make_achievement(university)])
    document = cases.add_document(broker, case, "方案.pdf", b"%PDF-1.4 plan", tmp_path)
    contract = contracts.create(seller, contract_data(university, enterprise))
    registrar = make_registrar()
    contracts.submit(seller, contract)
    challenge = published(make_user(make_org(), admin=True), **live_window())
    application = challenge_services.start_application(seller, challenge)
    attachment = challenge_services.add_attachment(seller, application, "方案.pdf", b"%PDF-1.4 plan", tmp_path)
    db.session.commit()
    return {"broker": broker, "seller": seller, "registrar": registrar, "case": case, "document": document,
            "contract": contract, "application": application, "attachment": attachment}


def test_deal_pages_and_exports_are_never_cached(login, db, deal_world):
    """ASVS 8.2.1: every page and download with deal data (cases, their documents, contracts, the
    registration desk, exports, the organisation's data) says Cache-Control: no-store."""
    w = deal_world
    case, contract, application = w["case"], w["contract"], w["application"]
    urls = {
        "broker": ["/cases/", f"/cases/{case.id}", "/cases/export.csv", "/cases/export.xlsx",
                   f"/cases/{case.id}/documents/{w['document'].id}", "/api/v1/cases", f"/api/v1/cases/{case.id}",
                   "/dashboard"],
        "seller": ["/contracts/", f"/contracts/{contract.id}", "/contracts/export.csv",
                   f"/api/v1/contracts/{contract.id}",
                   f"/imports/organisation/{w['seller'].organisation.id}/export.zip",
                   f"/imports/results/existing.xlsx?organisation_id={w['seller'].organisation.id}",
                   "/imports/template/results.xlsx", "/challenges/mine", "/api/v1/challenges/applications",
                   f"/challenges/applications/{application.id}", f"/api/v1/challenges/applications/{application.id}",
                   f"/challenges/applications/{application.id}/attachments/{w['attachment'].id}"],
        "registrar": ["/contracts/registry", "/contracts/registry/export.xlsx", "/api/v1/registrations"],
    }
    for who, paths in urls.items():
        client = login(w[who])
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (who, path, response.status_code)
            assert _no_store(response), (who, path, response.headers.get("Cache-Control"))
            response.close()


def test_exports_are_never_cached_for_anyone(client, db):
    """ASVS 8.2.1: the public list exports too (they carry contact details) say no-store, logged in or not."""
    make_demand()
    make_achievement()
    db.session.commit()
    for path in ("/demands/export.csv", "/demands/export.xlsx", "/results/export.csv", "/results/export.xlsx"):
        response = client.get(path)
        assert response.status_code == 200 and _no_store(response), path


def test_static_assets_stay_cacheable_when_logged_in(login, db):
    """The other side of 8.2.1: vendored CSS/JS are not deal data and keep their normal caching."""
    response = login(make_user()).get("/static/vendor/bootstrap/bootstrap.min.css")
    assert response.status_code == 200 and not _no_store(response)
    response.close()


# --- V12 files -----------------------------------------------------------------------------------

def test_uploaded_files_are_downloaded_as_attachments_with_nosniff(login, db, deal_world):
    """ASVS 12.5.2 / 14.4.2: an uploaded document is only ever served as an attachment, with its stored
    type and X-Content-Type-Options: nosniff, so a browser never renders it in the site's origin."""
    w = deal_world
    response = login(w["broker"]).get(f"/cases/{w['case'].id}/documents/{w['document'].id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    assert "sandbox" in response.headers["Content-Security-Policy"] or \
        "default-src 'self'" in response.headers["Content-Security-Policy"]
    response.close()
    for path in ("/cases/export.csv", "/cases/export.xlsx"):
        export = login(w["broker"]).get(path)
        assert export.headers["Content-Disposition"].startswith("attachment")
        assert export.headers["X-Content-Type-Options"] == "nosniff"


def _upload_as_pdf(where: str, data: bytes, upload_dir: Path) -> None:
    """Upload `data` named plan.pdf through one of the three upload services (raises on refusal)."""
    if where == "case document":
        broker = make_broker()
        case = cases.open_case(broker, "对接", [make_demand()], [make_achievement()])
        cases.add_document(broker, case, "plan.pdf", data, upload_dir)
    elif where == "challenge application attachment":
        applicant = make_user(make_org(OrgKind.UNIVERSITY))
        application = challenge_services.start_application(
            applicant, published(make_user(make_org(), admin=True), **live_window()))
        challenge_services.add_attachment(applicant, application, "plan.pdf", data, upload_dir)
    else:
        from tests.tt_platform.trading.helpers import confidential_result
        from tt_platform.trading import confidential

        _result, holder, part = confidential_result()
        confidential.add_attachment(holder, part, "plan.pdf", data, upload_dir)


@pytest.mark.parametrize("where", [
    "case document",
    "challenge application attachment",
    "confidential part attachment",
])
def test_html_disguised_as_a_pdf_is_refused(db, tmp_path, where):
    """ASVS 12.2.1: a file's type is judged by its content: HTML named plan.pdf is refused. Until then
    12.5.2 (attachment + nosniff + the stored type, tested above) keeps such a file from running."""
    with pytest.raises(Exception) as refused:  # noqa: PT011 - each service raises its own error class
        _upload_as_pdf(where, b"<!doctype html><script>alert(document.cookie)</script>", tmp_path)
    assert not isinstance(refused.value, AssertionError)
    _upload_as_pdf(where, b"%PDF-1.4 a real one", tmp_path / "ok")  # a real PDF still goes through


# --- V13 API -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("post", "/api/v1/contracts"), ("post", "/api/v1/cases"), ("post", "/api/v1/match/results"),
])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "text/xml"])
def test_json_endpoints_refuse_other_content_types(client, db, method, path, content_type):
    """ASVS 13.1.5 / 13.2.5: a JSON endpoint given another Content-Type answers 415 or 400 and changes
    nothing, even when the body itself is valid JSON."""
    user = make_broker()
    _row, secret = tokens.issue(user, "t")
    demand = make_demand()
    db.session.commit()
    body = f'{{"title": "覆冰", "demand_ids": [{demand.id}], "result_ids": []}}'
    response = getattr(client, method)(path, data=body, content_type=content_type,
                                       headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code in (400, 415), response.status_code
    assert response.is_json and response.get_json()["error"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


# --- V14 configuration ---------------------------------------------------------------------------

def test_debug_is_off_by_default(tmp_path, monkeypatch):
    """ASVS 14.3.2: an app built from the defaults (no TESTING, no DEBUG in the environment) has the
    debugger and debug mode off and does not propagate exceptions to the server."""
    from tt_platform import create_app
    from tt_platform.extensions import talisman

    for name in ("FLASK_DEBUG", "TT_DEBUG", "TT_TESTING"):
        monkeypatch.delenv(name, raising=False)
    saved = dict(talisman.__dict__)  # shared extension object: keep the session's app settings
    try:
        fresh = create_app({"SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                            "SEARCH_EMBEDDINGS": "off"})
    finally:
        talisman.__dict__.clear()
        talisman.__dict__.update(saved)
    assert fresh.debug is False and fresh.config["DEBUG"] is False and fresh.testing is False
    assert not fresh.config.get("PROPAGATE_EXCEPTIONS")
    assert fresh.config["TEMPLATES_AUTO_RELOAD"] in (None, False)


def test_no_version_or_framework_headers(client):
    """ASVS 14.3.3: the application adds no Server, X-Powered-By or version header of its own (the
    production server's `Server` header is the proxy's to strip, see SECURITY.md)."""
    response = client.get("/healthz")
    for name in ("Server", "X-Powered-By", "X-Runtime", "X-Version"):
        assert name not in response.headers


def test_hsts_and_https_redirect_when_force_https(app, db_url, tmp_path):
    """ASVS 14.4.5 (and 9.1.1): with TT_FORCE_HTTPS, http is redirected to https and responses carry
    Strict-Transport-Security."""
    from tests.conftest import TEST_CONFIG
    from tt_platform import create_app
    from tt_platform.extensions import talisman

    saved = dict(talisman.__dict__)  # the extension object is shared: give the session's app its settings back
    try:
        https_app = create_app({**TEST_CONFIG, "FORCE_HTTPS": True, "DATABASE_URL": db_url,
                                "SEARCH_INDEX_DIR": str(tmp_path / "i"), "SEARCH_VECTOR_DIR": str(tmp_path / "v")})
        client = https_app.test_client()
        plain = client.get("/healthz")
        assert plain.status_code in (301, 302) and plain.headers["Location"].startswith("https://")
        secure = client.get("/healthz", base_url="https://localhost")
        assert secure.status_code == 200
        assert "max-age=" in secure.headers["Strict-Transport-Security"]
    finally:
        talisman.__dict__.clear()
        talisman.__dict__.update(saved)


@pytest.mark.parametrize("path", ["/", "/api/v1/roadshows", "/api/v1/openapi.json", "/healthz"])
def test_a_foreign_origin_gets_no_cors_grant(client, db, path):
    """ASVS 14.5.3: no CORS allow-list means no grant: a request or preflight from another origin gets
    no Access-Control-Allow-Origin (nor credentials), so other sites cannot read the answers."""
    headers = {"Origin": EVIL}
    for response in (client.get(path, headers=headers),
                     client.options(path, headers={**headers, "Access-Control-Request-Method": "POST"})):
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers
