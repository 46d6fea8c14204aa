"""An organisation admin takes out everything the organisation owns; nobody else can."""
from __future__ import annotations

import io
import json
import zipfile

from tests.factories import make_achievement, make_demand, make_org, make_user
from tt_platform.accounts.models import OrgKind


def test_an_admin_downloads_the_organisations_data_without_secrets(app, db, login):
    org = make_org(OrgKind.UNIVERSITY)
    admin = make_user(org, admin=True)
    result = make_achievement(org, title="可导出的成果")
    other = make_achievement(make_org(OrgKind.UNIVERSITY), title="别人的成果")
    response = login(admin).get(f"/imports/organisation/{org.id}/export.zip")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert json.loads(archive.read("organisation.json"))["credit_code"] == org.credit_code
    results = [json.loads(line) for line in archive.read("results.jsonl").decode().splitlines()]
    assert [r["title"] for r in results] == [result.title] and other.title not in archive.read("results.jsonl").decode()
    members = archive.read("members.jsonl").decode()
    assert admin.email in members and "password" not in members and "argon2" not in members


def test_only_the_organisations_admins_download_it(app, db, login):
    org = make_org()
    make_demand(org)
    assert login(make_user(org)).get(f"/imports/organisation/{org.id}/export.zip").status_code == 403
    assert login(make_user(make_org(), admin=True)).get(f"/imports/organisation/{org.id}/export.zip").status_code == 403
    assert login(make_user(org)).get("/imports/organisation/999999/export.zip").status_code == 404
