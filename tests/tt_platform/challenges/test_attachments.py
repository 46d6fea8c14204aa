"""Application attachments: type and size limits, only while the application can change, downloads
only for those who may read the application."""
from __future__ import annotations

import io

import pytest

from tests.factories import make_org, make_user
from tests.tt_platform.challenges.helpers import CLOSES, NOW, live_window, published, submitted
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import services


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(("name", "data"), [("plan.exe", b"MZ"), ("plan.html", b"<script>"), ("plan.pdf", b""),
                                            ("plan.pdf", b"x" * (services.MAX_ATTACHMENT_BYTES + 1))])
def test_bad_files_are_refused(db, upload_dir, name, data):
    issuer = make_user(make_org(), admin=True)
    user = make_user(make_org(OrgKind.UNIVERSITY))
    application = services.start_application(user, published(issuer), now=NOW)
    with pytest.raises(services.ChallengeError):
        services.add_attachment(user, application, name, data, upload_dir, now=NOW)
    assert application.attachments == [] and list(upload_dir.iterdir()) == []


def test_attachments_follow_the_application_rules(db, upload_dir):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer)
    user = make_user(make_org(OrgKind.UNIVERSITY))
    application = services.start_application(user, challenge, now=NOW)
    services.add_attachment(user, application, "../../技术方案.pdf", b"%PDF-1.4", upload_dir, now=NOW)
    assert application.attachments[0].filename == "技术方案.pdf"
    with pytest.raises(services.ChallengeError):
        services.add_attachment(user, application, "b.pdf", b"%PDF", upload_dir, now=CLOSES)
    with pytest.raises(services.NotAllowed):
        services.add_attachment(issuer, application, "b.pdf", b"%PDF", upload_dir, now=NOW)
    for n in range(services.MAX_ATTACHMENTS - 1):
        services.add_attachment(user, application, f"{n}.txt", b"x", upload_dir, now=NOW)
    with pytest.raises(services.ChallengeError):
        services.add_attachment(user, application, "one-too-many.txt", b"x", upload_dir, now=NOW)
    services.remove_attachment(user, application, application.attachments[0].id, now=NOW)
    assert len(application.attachments) == services.MAX_ATTACHMENTS - 1


def test_upload_and_download_through_the_pages(db, login, upload_dir):
    issuer = make_user(make_org(), admin=True)
    challenge = published(issuer, **live_window())
    applicant, outsider = make_user(make_org(OrgKind.UNIVERSITY)), make_user(make_org(OrgKind.UNIVERSITY))
    application = services.start_application(applicant, challenge)
    db.session.commit()
    client = login(applicant)
    client.post(f"/challenges/applications/{application.id}/attachments",
                data={"file": (io.BytesIO(b"%PDF-1.4 plan"), "方案.pdf")}, content_type="multipart/form-data")
    item = application.attachments[0]
    url = f"/challenges/applications/{application.id}/attachments/{item.id}"
    with client.get(url) as download:
        assert download.status_code == 200 and download.data == b"%PDF-1.4 plan"
        assert download.headers["Content-Disposition"].startswith("attachment")
    assert login(outsider).get(url).status_code == 404
    assert login(issuer).get(url).status_code == 404  # a draft is the applicant's alone
    refused = client.post(f"/challenges/applications/{application.id}/attachments",
                          data={"file": (io.BytesIO(b"x"), "a.exe")}, content_type="multipart/form-data",
                          follow_redirects=True)
    assert "PDF" in refused.text and len(application.attachments) == 1
    submitted_app = submitted(make_user(make_org(OrgKind.INSTITUTE)), challenge, now=None)
    db.session.commit()
    assert login(issuer).get(f"/challenges/applications/{submitted_app.id}").status_code == 200
