"""Exports of the contract list (with its status filter) and of the registration desk."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import contract_data, make_broker, make_operator, make_org, make_registrar, make_user
from tests.sheets import column, csv_rows, download_name, label, records, xlsx_rows
from tt_platform import taxonomy
from tt_platform.accounts.models import OrgKind
from tt_platform.contracts import services
from tt_platform.contracts.models import ContractStatus


@pytest.fixture
def world(db):
    seller_org = make_org(OrgKind.UNIVERSITY, region_code="330106")
    buyer_org = make_org(region_code="320500")
    people = {"seller": make_user(seller_org), "buyer": make_user(buyer_org), "broker": make_broker(),
              "outsider": make_user(make_org()), "registrar": make_registrar("330100"),
              "other_registrar": make_registrar("110100"), "operator": make_operator()}
    draft = services.create(people["broker"], contract_data(seller_org, buyer_org, name="草稿合同"))
    waiting = services.create(people["broker"], contract_data(seller_org, buyer_org, name="待登记合同"))
    services.submit(people["broker"], waiting)
    registered = services.create(people["broker"], contract_data(
        seller_org, buyer_org, name="已登记合同", subtype="LIC-01", items=[("许可费", 30_000_005, True)]))
    services.submit(people["broker"], registered)
    services.register(people["registrar"], registered)
    db.session.commit()
    return people, {"draft": draft, "waiting": waiting, "registered": registered}


def _names(app, response) -> set[str]:
    return set(column(csv_rows(response), label(app, "Contract name")))


@pytest.mark.parametrize(("viewer", "expected"), [
    ("seller", {"草稿合同", "待登记合同", "已登记合同"}), ("buyer", {"草稿合同", "待登记合同", "已登记合同"}),
    ("broker", {"草稿合同", "待登记合同", "已登记合同"}), ("registrar", {"待登记合同", "已登记合同"}),
    ("operator", {"待登记合同", "已登记合同"}), ("other_registrar", {"待登记合同", "已登记合同"}),  # offices oversee
    ("outsider", set()),
])
def test_each_user_exports_the_contracts_their_list_shows(app, login, world, viewer, expected):
    people, _contracts = world
    client = login(people[viewer])
    page = client.get("/contracts/").get_data(as_text=True)
    assert {n for n in ("草稿合同", "待登记合同", "已登记合同") if n in page} == expected
    assert _names(app, client.get("/contracts/export.csv")) == expected


def test_the_status_filter_is_honoured(app, login, world):
    people, _contracts = world
    seller = login(people["seller"])
    assert _names(app, seller.get("/contracts/export.csv?status=registered")) == {"已登记合同"}
    assert _names(app, seller.get("/contracts/export.csv?status=draft")) == {"草稿合同"}
    assert len(_names(app, seller.get("/contracts/export.csv?status=bogus"))) == 3  # ignored, as on the page
    page = seller.get("/contracts/?status=registered").get_data(as_text=True)
    assert "/contracts/export.xlsx?status=registered" in page


def test_codes_names_and_exact_amounts(app, login, world):
    people, contracts = world
    rows = xlsx_rows(login(people["seller"]).get("/contracts/export.xlsx"))
    row = next(r for r in records(rows) if r[label(app, "ID")] == contracts["registered"].id)
    assert (row[label(app, "Contract type code")], row[label(app, "Contract type")]) == (
        "LIC", taxonomy.contract_types()["LIC"])
    assert row[label(app, "Contract sub-type code")] == "LIC-01"
    assert row[label(app, "Registration number")] == contracts["registered"].registration_number
    assert (row[label(app, "Seller region code")], row[label(app, "Seller region")]) == (
        "330106", taxonomy.region_label("330106"))
    assert row[label(app, "Buyer region code")] == "320500"
    assert row[label(app, "Technology field code")] == "T06"
    assert row[label(app, "Contract amount (万元)")] == pytest.approx(30.00)
    csv_row = next(r for r in records(csv_rows(login(people["seller"]).get("/contracts/export.csv")))
                   if r[label(app, "ID")] == str(contracts["registered"].id))
    assert Decimal(csv_row[label(app, "Contract amount (万元)")]) == Decimal("30.00")  # 30,000,005 fen, rounded
    assert csv_row[label(app, "Contract amount (万元)")] == "30.00"
    assert csv_row[label(app, "Status code")] == ContractStatus.REGISTERED.value


def test_the_registration_desk_export_is_for_its_registrars(app, client, login, world):
    people, contracts = world
    desk = login(people["registrar"]).get("/contracts/registry/export.csv")
    assert set(column(csv_rows(desk), label(app, "Contract name"))) == {"待登记合同"}
    assert download_name(desk).startswith(label(app, "Registration desk"))
    assert column(csv_rows(login(people["other_registrar"]).get("/contracts/registry/export.csv")),
                  label(app, "Contract name")) == []
    for viewer in ("seller", "outsider", "operator"):
        assert login(people[viewer]).get("/contracts/registry/export.csv").status_code == 403
    assert client.get("/contracts/registry/export.csv").status_code == 302
    assert client.get("/contracts/export.csv").status_code == 302
    assert "/contracts/registry/export.xlsx" in login(people["registrar"]).get("/contracts/registry").get_data(
        as_text=True)
