"""An organisation's listings go out as a filled template and come back unchanged; an edited row updates."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tests.factories import make_operator, make_org, make_user
from tests.sheets import xlsx_of as xlsx_bytes
from tests.sheets import xlsx_rows
from tests.tt_platform.bulk.test_import import csv_bytes, demand_row, result_row, run
from tt_platform.accounts.models import OrgKind

FORMULA_TITLE = "=HYPERLINK(\"http://x\") 风电叶片覆冰监测"


@pytest.fixture
def university(db):
    org = make_org(OrgKind.UNIVERSITY)
    return org, make_user(org, admin=True)


def test_results_round_trip_unchanged_then_an_edit_updates(app, db, login, university):
    org, admin = university
    second_ip = {"知识产权2类型 IP 2 type": "", "知识产权2号 IP 2 number": "", "知识产权2状态 IP 2 status": ""}
    rows = [result_row(1, **second_ip, **{"标题* Title": FORMULA_TITLE,
                                          "详细介绍* Detailed description": "+86 传感器阵列说明"}),
            result_row(2, **{"知识产权2类型 IP 2 type": "实用新型", "知识产权2号 IP 2 number": "ZL202020000001.1",
                             "知识产权2状态 IP 2 status": "applied"}),
            result_row(3, **second_ip, **{"价格面议 Price negotiable": "是",
                                          "转让价格（万元） Asking price (万元)": ""})]
    first = run("results", csv_bytes(rows), "r.csv", admin, org)  # CSV: openpyxl would write "=…" as a formula
    assert first.counts()["created"] == 3, [r.errors for r in first.rows]
    client = login(admin)

    response = client.get(f"/imports/results/existing.xlsx?organisation_id={org.id}")
    assert response.headers["Cache-Control"] == "no-store"
    table = xlsx_rows(response)  # asserts that no cell is a formula
    assert len(table) == 4 and FORMULA_TITLE in table[1]
    exported = response.data

    again = run("results", exported, "r.xlsx", admin, org, update_existing=True)
    assert again.counts() | {"rows": 3} == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3, "error": 0}, \
        again.to_json()

    book = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    sheet.cell(3, headers.index("联系电话* Contact phone") + 1, "0571-11112222")
    edited = io.BytesIO()
    book.save(edited)
    report = run("results", edited.getvalue(), "r.xlsx", admin, org, update_existing=True)
    assert [r.action for r in report.rows] == ["unchanged", "updated", "unchanged"], report.to_json()


def test_demands_round_trip_unchanged(app, db, login):
    org = make_org()
    admin = make_user(org, admin=True)
    rows = [demand_row(1), demand_row(2, **{"Open challenge": "是", "Challenge bounty (万元)": "300"})]
    assert run("demands", xlsx_bytes(rows), "d.xlsx", admin, org).counts()["created"] == 2
    exported = login(admin).get(f"/imports/demands/existing.xlsx?organisation_id={org.id}").data
    again = run("demands", exported, "d.xlsx", admin, org, update_existing=True)
    assert [r.action for r in again.rows] == ["unchanged", "unchanged"], again.to_json()


def test_only_the_organisations_admins_and_operators_download_its_listings(app, db, login, university):
    org, admin = university
    url = f"/imports/results/existing.xlsx?organisation_id={org.id}"
    assert login(admin).get(url).status_code == 200
    assert login(make_operator()).get(url).status_code == 200
    assert login(make_user(org)).get(url).status_code in (403, 404)  # a member who is not an admin
    assert login(make_user(make_org(OrgKind.UNIVERSITY), admin=True)).get(url).status_code == 404
    assert login(admin).get("/imports/organisations/existing.xlsx?organisation_id=1").status_code == 404
    assert login(admin).get("/imports/results/existing.xlsx?organisation_id=abc").status_code == 404
    page = login(admin).get("/imports/").get_data(as_text=True)
    assert "existing.xlsx" in page
