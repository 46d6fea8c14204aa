"""Export of the case list: exactly the cases the user may see, nothing for outsiders."""
from __future__ import annotations

import pytest

from tests.factories import make_achievement, make_broker, make_demand, make_operator, make_org, make_user
from tests.sheets import column, csv_rows, download_name, label, records, xlsx_rows
from tt_platform.accounts.models import OrgKind
from tt_platform.brokerage import services
from tt_platform.brokerage.models import Stage


@pytest.fixture
def world(db):
    agency = make_org(OrgKind.AGENCY)
    enterprise, university = make_org(name="需求企业甲"), make_org(OrgKind.UNIVERSITY, name="供给高校乙")
    people = {"broker": make_broker(agency), "agency_admin": make_user(agency, admin=True),
              "demand_side": make_user(enterprise), "supply_side": make_user(university),
              "other_broker": make_broker(), "outsider": make_user(make_org()), "operator": make_operator()}
    demand, result = make_demand(enterprise, title="案例里的需求"), make_achievement(university, title="案例里的成果")
    case = services.open_case(people["broker"], "=案例标题", [demand], [result])
    services.add_note(people["broker"], case, "保密的洽谈记录")
    services.set_stage(people["broker"], case, Stage.CONTACT)
    other = services.open_case(people["other_broker"], "别家的案例", [make_demand()], [])
    db.session.commit()
    return people, case, other


@pytest.mark.parametrize("viewer", ["broker", "agency_admin", "demand_side", "supply_side"])
def test_everyone_on_the_case_gets_it_and_nothing_else(app, login, world, viewer):
    people, case, other = world
    rows = xlsx_rows(login(people[viewer]).get("/cases/export.xlsx"))
    assert column(rows, label(app, "ID")) == [case.id]
    row = records(rows)[0]
    assert row[label(app, "Case title")] == "'=案例标题"  # neutralised
    assert (row[label(app, "Stage code")], row[label(app, "Stage")]) == ("contact", Stage.CONTACT.label)
    assert row[label(app, "Demands")] == "案例里的需求" and row[label(app, "Research results")] == "案例里的成果"
    assert "需求企业甲" in row[label(app, "Participants")] and "供给高校乙" in row[label(app, "Participants")]
    assert row[label(app, "Broker")] == people["broker"].name


@pytest.mark.parametrize("viewer", ["outsider", "other_broker", "operator"])
def test_outsiders_get_none_of_the_case(login, world, viewer):
    people, case, other = world
    response = login(people[viewer]).get("/cases/export.csv")
    rows = csv_rows(response)
    ids = {r[0] for r in rows[1:]}
    assert str(case.id) not in ids
    assert ids == ({str(other.id)} if viewer == "other_broker" else set())
    assert "保密的洽谈记录" not in response.data.decode("utf-8-sig")  # notes never leave the case page


def test_anonymous_is_sent_to_log_in_and_formats_are_checked(client, login, world):
    people, _case, _other = world
    assert client.get("/cases/export.csv").status_code == 302
    assert login(people["broker"]).get("/cases/export.ods").status_code == 404
    response = login(people["broker"]).get("/cases/export.csv")
    assert download_name(response).startswith(label(client.application, "Matchmaking cases"))
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "/cases/export.xlsx" in login(people["broker"]).get("/cases/").get_data(as_text=True)
