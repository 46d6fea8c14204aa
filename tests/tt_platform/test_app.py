"""Application-wide guarantees: every route declares a permission, headers, errors, schema = migrations."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tt_platform.database import db as _db
from tt_platform.security import KNOWN


def test_every_route_declares_a_permission(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # vendored CSS/JS, public by nature
        view = app.view_functions[rule.endpoint]
        if getattr(view, "required_permission", None) not in KNOWN:
            missing.append(rule.endpoint)
    assert missing == []


def test_models_and_migrations_agree(app, db):
    """The test database was built by the migrations; the models must describe exactly that schema."""
    conn = _db.engines[None]  # the test's connection (see the db fixture)
    diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), _db.metadata)
    assert diff == []


def test_security_headers_on_html_json_and_errors(client):
    for path, status in (("/", 200), ("/healthz", 200), ("/nowhere", 404)):
        response = client.get(path)
        assert response.status_code == status
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_external_assets_in_pages(client):
    html = client.get("/").get_data(as_text=True)
    assert 'src="http' not in html and 'src="//' not in html
    assert 'rel="stylesheet" href="/static/vendor/bootstrap/bootstrap.min.css"' in html


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/demands/999999")
    assert response.status_code == 404
    assert "404" in response.get_data(as_text=True)


def test_api_style_errors_are_json(client):
    response = client.get("/nowhere", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404


def test_oversized_request_gets_413(app, client):
    response = client.post("/login", data={"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413


def test_csrf_is_enforced_when_enabled(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": "a@example.cn", "password": "whatever-long-pw"})
        html = client.get("/login").get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert 'name="csrf_token"' in html


def test_default_language_is_chinese_and_english_switchable(client):
    assert "技术需求" in client.get("/").get_data(as_text=True)
    client.get("/lang/en")
    html = client.get("/").get_data(as_text=True)
    assert "Technology demands" in html and 'lang="en"' in html


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_language_switch_does_not_redirect_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")
