"""Exports of the public research-result list: filters, visibility, public fields only, round trip."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import make_achievement, make_operator, make_org, make_user
from tests.sheets import column, csv_rows, download_name, label, records, xlsx_rows
from tt_platform import spreadsheets, taxonomy
from tt_platform.accounts.models import OrgKind
from tt_platform.listings.models import ListingStatus


def test_xlsx_round_trip_has_titles_codes_and_names(app, client, db):
    org = make_org(OrgKind.UNIVERSITY, region_code="440300", name="深圳测试大学")
    first = make_achievement(org, title="固态电解质薄膜制备工艺", field_code="T05",
                             cooperation_modes=["license", "equity"], trl=7, maturity="M4",
                             asking_price=Decimal("123.45"), keywords="固态电池,薄膜")
    second = make_achievement(org, title="农业无人机变量喷洒系统", field_code="T09", cooperation_modes=["transfer"],
                              asking_price=None, price_negotiable=True)
    response = client.get("/results/export.xlsx")
    rows = xlsx_rows(response)
    by_id = {r[label(app, "ID")]: r for r in records(rows)}
    assert set(by_id) == {first.id, second.id}
    row = by_id[first.id]
    assert row[label(app, "Title")] == "固态电解质薄膜制备工艺"
    assert row[label(app, "Technology field code")] == "T05"
    assert row[label(app, "Technology field")] == taxonomy.fields()["T05"]
    assert row[label(app, "Region code")] == "440300"
    assert row[label(app, "Region")] == taxonomy.region_label("440300") and "深圳" in row[label(app, "Region")]
    assert row[label(app, "Cooperation mode codes")] == "license, equity"
    assert row[label(app, "Cooperation modes")] == "技术许可、作价入股"
    assert row[label(app, "Maturity (TRL)")] == 7
    assert row[label(app, "Maturity stage code")] == "M4"
    assert row[label(app, "Maturity stage")] == taxonomy.maturity_steps()["M4"][0]
    assert row[label(app, "Asking price (万元)")] == pytest.approx(123.45)
    assert row[label(app, "Organisation")] == "深圳测试大学"
    assert row[label(app, "Valid until")] == dt.datetime.combine(first.valid_until, dt.time())
    assert row[label(app, "Link")].endswith(f"/results/{first.id}")
    assert by_id[second.id][label(app, "Asking price (万元)")] == label(app, "Negotiable")
    assert by_id[second.id][label(app, "Technology field")] == taxonomy.fields()["T09"]


def test_a_filtered_export_holds_exactly_what_the_filtered_page_shows(client, db, browse_mode):
    hz = make_org(OrgKind.UNIVERSITY, region_code="330100")
    bj = make_org(OrgKind.INSTITUTE, region_code="110100")
    made = [make_achievement(hz, title="杭州储能成果", field_code="T06", trl=8, cooperation_modes=["license"]),
            make_achievement(hz, title="杭州材料成果", field_code="T05", trl=4),
            make_achievement(bj, title="北京储能成果", field_code="T06", trl=3, cooperation_modes=["equity"]),
            make_achievement(bj, title="北京信息成果", field_code="T01", asking_price=Decimal("900"))]
    browse_mode()

    def page(**params):
        html = client.get("/results/", query_string=params).get_data(as_text=True)
        return {r.title for r in made if f'href="/results/{r.id}"' in html}

    def exported(**params):
        return set(column(csv_rows(client.get("/results/export.csv", query_string=params)), label(client.application,
                                                                                                 "Title")))

    for params in ({}, {"field": "T06"}, {"region": "330000"}, {"trl_min": "5"}, {"mode": "equity"},
                   {"org_kind": "institute"}, {"amount_min": "500"}, {"field": "T06", "region": "110100"}):
        assert exported(**params) == page(**params), params
    assert exported(field="T06") == {"杭州储能成果", "北京储能成果"}
    assert exported(field="T06", region="110100") == {"北京储能成果"}


def test_the_export_keeps_the_page_order(client, db):
    cheap = make_achievement(title="便宜的成果", asking_price=Decimal("5"))
    dear = make_achievement(title="昂贵的成果", asking_price=Decimal("900"))
    titles = column(csv_rows(client.get("/results/export.csv?sort=amount_desc")), label(client.application, "Title"))
    assert titles.index(dear.title) < titles.index(cheap.title)


@pytest.mark.parametrize("viewer", ["anonymous", "owner", "operator"])
def test_drafts_hidden_and_expired_results_are_never_exported(app, login, client, db, viewer):
    org = make_org(OrgKind.UNIVERSITY)
    public = make_achievement(org, title="公开的成果")
    solved = make_achievement(org, title="已解决的成果", status=ListingStatus.SOLVED)
    hidden = [make_achievement(org, title=f"不公开的成果{s.value}", status=s)
              for s in (ListingStatus.DRAFT, ListingStatus.PENDING, ListingStatus.RETURNED, ListingStatus.REJECTED,
                        ListingStatus.CLOSED)]
    hidden.append(make_achievement(org, title="过期的成果", valid_until=dt.date.today() - dt.timedelta(days=1)))
    if viewer == "owner":
        client = login(make_user(org))
    elif viewer == "operator":
        client = login(make_operator())
    body = client.get("/results/export.csv").data.decode("utf-8-sig")
    titles = set(column(csv_rows(client.get("/results/export.csv")), label(app, "Title")))
    assert titles == {public.title, solved.title}
    assert not any(h.title in body for h in hidden)


def test_only_public_fields_are_exported_even_to_verified_members(login, db):
    make_achievement(title="带联系方式的成果", contact_name="王五", contact_phone="13912345678",
                     contact_email="secret@example.cn", description="仅对认证会员可见的详细介绍", team="李四")
    member = login(make_user(make_org(OrgKind.ENTERPRISE)))  # may see details on the page, not in bulk
    for fmt in ("csv", "xlsx"):
        response = member.get(f"/results/export.{fmt}")
        assert response.status_code == 200
    body = member.get("/results/export.csv").data.decode("utf-8-sig")
    assert "带联系方式的成果" in body
    for secret in ("13912345678", "secret@example.cn", "王五", "仅对认证会员可见", "李四"):
        assert secret not in body


def test_formula_text_in_a_listing_is_neutralised(client, db):
    evil = make_achievement(title='=HYPERLINK("http://evil.example","点")', keywords="@SUM(1),-1")
    rows = xlsx_rows(client.get("/results/export.xlsx"))  # asserts no cell holds a formula
    row = next(r for r in records(rows) if r[label(client.application, "ID")] == evil.id)
    assert row[label(client.application, "Title")] == "'" + evil.title
    assert row[label(client.application, "Keywords")].startswith("'@SUM(1)")
    text = csv_rows(client.get("/results/export.csv"))
    assert ["'" + evil.title] == [c for r in text for c in r if "HYPERLINK" in c]


def test_chinese_file_name_and_unknown_formats(client, db):
    response = client.get("/results/export.xlsx")
    name = download_name(response)
    assert name.startswith(label(client.application, "Research results") + "-") and name.endswith(".xlsx")
    assert client.get("/results/export.pdf").status_code == 404
    assert client.get("/results/export.").status_code == 404


def test_a_long_list_is_capped_with_a_note(client, db, monkeypatch):
    org = make_org(OrgKind.UNIVERSITY)
    for i in range(4):
        make_achievement(org, title=f"批量成果{i}")
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    rows = csv_rows(client.get("/results/export.csv"))
    assert len(rows) == 1 + 3 + 1
    assert len(rows[-1]) == 1 and "3" in rows[-1][0]
    rows = xlsx_rows(client.get("/results/export.xlsx"))
    assert len(rows) == 5 and rows[-1][0] == rows[-1][0].strip() and rows[-1][1] is None


def test_the_list_page_links_to_its_exports_with_its_filters(client, db):
    html = client.get("/results/?field=T06&region=330000&page=2").get_data(as_text=True)
    assert "/results/export.xlsx?" in html and "/results/export.csv?" in html
    link = html.split("/results/export.xlsx?", 1)[1].split('"', 1)[0]
    assert "field=T06" in link and "region=330000" in link and "page=" not in link
