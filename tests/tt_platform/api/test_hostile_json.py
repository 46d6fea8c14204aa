"""Text in JSON bodies (issue 21): NUL, which PostgreSQL text cannot hold, is a 400 with a message."""
from __future__ import annotations

from tests.factories import make_achievement, make_broker, make_demand
from tt_platform.api import tokens
from tt_platform.brokerage import services as cases
from tt_platform.brokerage.models import Case


def test_text_with_nul_in_a_json_body_is_a_400_with_a_message(app, db):
    """PostgreSQL text cannot hold NUL: the API's text reader refuses it before any write (a 500 on PostgreSQL)."""
    broker = make_broker()
    case = cases.open_case(broker, "对接", [make_demand()], [make_achievement()])
    _token, secret = tokens.issue(broker, "nul")
    db.session.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    response = app.test_client().post(f"/api/v1/cases/{case.id}/notes", json={"body": "进展\x00顺利"},
                                      headers=bearer)
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).notes == []
    created = app.test_client().post("/api/v1/cases", json={"title": "a\x00b", "demand_ids": []}, headers=bearer)
    assert created.status_code == 400
