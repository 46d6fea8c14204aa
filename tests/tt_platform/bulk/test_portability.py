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


def test_the_files_the_organisation_uploaded_come_with_it(app, db, login, tmp_path, monkeypatch):
    from tests.factories import make_broker
    from tt_platform.brokerage import services as brokerage
    from tt_platform.brokerage.models import Document

    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    org = make_org()
    admin = make_user(org, admin=True)
    member = make_user(org)
    demand = make_demand(org)
    case = brokerage.open_case(make_broker(), "对接", [demand], [make_achievement()])
    ours = Document(case_id=case.id, filename="../../技术方案.pdf", stored_name="a" * 32,
                    content_type="application/pdf", size=9, sha256="0" * 64, uploaded_by_id=member.id)
    gone = Document(case_id=case.id, filename="丢失.pdf", stored_name="b" * 32, content_type="application/pdf",
                    size=1, sha256="0" * 64, uploaded_by_id=admin.id)
    theirs = Document(case_id=case.id, filename="别人的.pdf", stored_name="c" * 32, content_type="application/pdf",
                      size=5, sha256="0" * 64, uploaded_by_id=case.created_by_id)
    db.session.add_all([ours, gone, theirs])
    db.session.flush()
    (tmp_path / ("a" * 32)).write_bytes(b"%PDF-ours")
    (tmp_path / ("c" * 32)).write_bytes(b"%PDF-")
    archive = zipfile.ZipFile(io.BytesIO(login(admin).get(f"/imports/organisation/{org.id}/export.zip").data))
    listed = [json.loads(line) for line in archive.read("attachments.jsonl").decode().splitlines()]
    assert [(e["filename"], e.get("missing", False)) for e in listed] == [("../../技术方案.pdf", False),
                                                                           ("丢失.pdf", True)]
    assert listed[0]["path"] == f"attachments/case_document/{'a' * 32}-技术方案.pdf"  # no way out of the zip's folder
    assert archive.read(listed[0]["path"]) == b"%PDF-ours"
    assert not [n for n in archive.namelist() if "c" * 32 in n]
    assert archive.read("challenge_applications.jsonl") == b""
