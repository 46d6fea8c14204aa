"""Matchmaking cases: opening, claiming requests, the pipeline, tasks, documents and who sees what."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa

from tests.factories import make_achievement, make_broker, make_demand, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.audit.models import trail
from tt_platform.brokerage import services
from tt_platform.brokerage.models import Case, Stage
from tt_platform.database import db
from tt_platform.security import NotAllowed


@pytest.fixture
def world(db, tmp_path):
    enterprise, university, agency = make_org(), make_org(OrgKind.UNIVERSITY), make_org(OrgKind.AGENCY)
    admin = make_user(agency, admin=True)
    return {
        "demand": make_demand(enterprise), "result": make_achievement(university),
        "enterprise_user": make_user(enterprise), "university_user": make_user(university),
        "broker": make_broker(agency), "colleague": make_broker(agency), "agency_admin": admin,
        "other_broker": make_broker(), "outsider": make_user(make_org()), "agency": agency, "uploads": tmp_path,
    }


def test_broker_opens_a_case_from_a_match_with_both_parties(world):
    case = services.open_case(world["broker"], "", [world["demand"]], [world["result"]])
    assert case.stage is Stage.INTENT and case.title == world["demand"].title
    assert {p.side for p in case.participants} == {"demand", "supply"}
    for viewer in ("broker", "agency_admin", "enterprise_user", "university_user"):
        assert services.can_view(world[viewer], case), viewer
    for viewer in ("colleague", "other_broker", "outsider"):
        assert not services.can_view(world[viewer], case), viewer
    visible = db.session.scalars(sa.select(Case.id).where(services.visible_filter(world["outsider"]))).all()
    assert case.id not in visible


def test_only_brokers_open_cases(world):
    with pytest.raises(NotAllowed):
        services.open_case(world["enterprise_user"], "x", [world["demand"]], [world["result"]])


def test_request_lands_in_the_agency_inbox_and_one_broker_claims_it(world):
    case = services.request_broker(world["enterprise_user"], world["demand"], world["agency"],
                                   "希望找到高校团队合作开发")
    assert case.broker_id is None and case in services.inbox(world["colleague"])
    assert services.can_view(world["colleague"], case) and not services.can_view(world["other_broker"], case)
    with pytest.raises(NotAllowed):
        services.claim(world["other_broker"], case)
    services.claim(world["broker"], case)
    assert case.broker_id == world["broker"].id
    with pytest.raises(services.CaseError):
        services.claim(world["colleague"], case)
    assert not services.can_view(world["colleague"], case)  # claimed: now the broker's case


def test_only_owners_request_a_broker(world):
    with pytest.raises(NotAllowed):
        services.request_broker(world["outsider"], world["demand"], world["agency"], "帮我们找技术")


def test_pipeline_with_termination_reason_and_timeline(world):
    case = services.open_case(world["broker"], "锂电对接", [world["demand"]], [world["result"]])
    services.set_stage(world["broker"], case, Stage.CONTACT)
    services.set_stage(world["broker"], case, Stage.NEGOTIATION)
    with pytest.raises(services.CaseError):
        services.set_stage(world["broker"], case, Stage.TERMINATED, "nonsense")
    with pytest.raises(services.CaseError):
        services.set_stage(world["broker"], case, Stage.TERMINATED, "other", "")
    services.set_stage(world["broker"], case, Stage.TERMINATED, "price", "报价差距过大")
    assert case.termination_reason == "price"
    with pytest.raises(NotAllowed):
        services.set_stage(world["enterprise_user"], case, Stage.CONTACT)
    stages = [(e.from_status, e.to_status) for e in trail("case", case.id) if e.action == "stage"]
    assert stages == [("intent", "contact"), ("contact", "negotiation"), ("negotiation", "terminated")]


def test_tasks_and_overdue(world):
    case = services.open_case(world["broker"], "对接", [world["demand"]], [world["result"]])
    past = dt.date(2026, 1, 1)
    task = services.add_task(world["broker"], case, "约见企业技术负责人", past, world["enterprise_user"].id)
    assert task in services.overdue_tasks(world["enterprise_user"], dt.date(2026, 2, 1))
    with pytest.raises(services.CaseError):
        services.add_task(world["broker"], case, "外人任务", past, world["outsider"].id)
    services.complete_task(world["enterprise_user"], task)
    assert task.done_at is not None and not services.overdue_tasks(world["enterprise_user"], dt.date(2026, 2, 1))


def test_documents_are_checked_and_stored(world):
    case = services.open_case(world["broker"], "对接", [world["demand"]], [world["result"]])
    doc = services.add_document(world["university_user"], case, "../../技术方案.pdf", b"%PDF-1.4 test",
                                world["uploads"])
    assert doc.filename == "技术方案.pdf" and (world["uploads"] / doc.stored_name).read_bytes() == b"%PDF-1.4 test"
    for name, data in (("x.exe", b"MZ"), ("page.html", b"<script>"), ("empty.pdf", b"")):
        with pytest.raises(services.CaseError):
            services.add_document(world["broker"], case, name, data, world["uploads"])
    with pytest.raises(services.CaseError):
        services.add_document(world["broker"], case, "big.pdf", b"0" * (services.MAX_DOCUMENT_BYTES + 1),
                              world["uploads"])
    with pytest.raises(NotAllowed):
        services.add_document(world["outsider"], case, "x.pdf", b"1", world["uploads"])


def test_case_pages(world, login, app):
    app.config["UPLOAD_DIR"] = str(world["uploads"])
    case = services.open_case(world["broker"], "页面对接", [world["demand"]], [world["result"]])
    db.session.commit()
    broker = login(world["broker"])
    assert "页面对接" in broker.get("/cases/").get_data(as_text=True)
    assert broker.post(f"/cases/{case.id}/stage", data={"stage": "contact"}).status_code == 302
    assert case.stage is Stage.CONTACT
    upload = broker.post(f"/cases/{case.id}/documents",
                         data={"file": (io.BytesIO(b"%PDF-1.4 x"), "方案.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 302 and case.documents
    download = login(world["enterprise_user"]).get(f"/cases/{case.id}/documents/{case.documents[0].id}")
    assert download.status_code == 200 and download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == b"%PDF-1.4 x"
    download.close()
    outsider = login(world["outsider"])
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/documents/{case.documents[0].id}"):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/cases/{case.id}/stage", data={"stage": "signed"}).status_code == 404
    participant = login(world["enterprise_user"])
    assert participant.post(f"/cases/{case.id}/stage", data={"stage": "signed"}).status_code == 403
    assert participant.post(f"/cases/{case.id}/notes", data={"body": "我们下周可以见面"}).status_code == 302
    assert case.stage is Stage.CONTACT and case.notes[0].body == "我们下周可以见面"
    # the agency administrator's dashboard counts the case under its broker
    assert "页面对接" not in login(world["agency_admin"]).get("/cases/agency").get_data(as_text=True)
    assert login(world["agency_admin"]).get("/cases/agency").status_code == 200
    assert login(world["outsider"]).get("/cases/agency").status_code == 403


def test_request_a_broker_page(world, login):
    page = login(world["enterprise_user"]).post(
        f"/cases/request/demand/{world['demand'].id}",
        data={"agency_id": world["agency"].id, "message": "需要经纪人协助谈判"})
    assert page.status_code == 302
    case = db.session.scalars(sa.select(Case).order_by(Case.id.desc())).first()
    assert case.request_message == "需要经纪人协助谈判" and case.broker_id is None
    assert login(world["outsider"]).get(f"/cases/request/demand/{world['demand'].id}").status_code == 403
