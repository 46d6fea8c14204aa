"""Exports of the public demand list and of a demand list (需求清单): filters, visibility, columns."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.factories import make_demand, make_operator, make_org, make_user
from tests.sheets import column, csv_rows, download_name, label, records, xlsx_rows
from tt_platform import taxonomy
from tt_platform.demand_lists import services as demand_lists
from tt_platform.listings.models import ListingStatus


def test_demand_columns_side_by_side(app, client, db):
    demand = make_demand(make_org(region_code="320500"), title="高镍正极材料包覆工艺", field_code="T05",
                         industry_section="C", industry_division="38", budget_min=Decimal("50.5"),
                         budget_max=Decimal("200"), required_trl=6, is_challenge=True, bounty=Decimal("80"),
                         cooperation_modes=["joint_dev", "commissioned_dev"])
    open_budget = make_demand(title="预算面议的需求", budget_min=None, budget_max=None, budget_negotiable=True)
    rows = xlsx_rows(client.get("/demands/export.xlsx"))
    by_id = {r[label(app, "ID")]: r for r in records(rows)}
    row = by_id[demand.id]
    assert row[label(app, "Title")] == demand.title
    assert (row[label(app, "Technology field code")], row[label(app, "Technology field")]) == (
        "T05", taxonomy.fields()["T05"])
    assert (row[label(app, "Region code")], row[label(app, "Region")]) == ("320500", taxonomy.region_label("320500"))
    assert row[label(app, "Cooperation mode codes")] == "joint_dev, commissioned_dev"
    assert row[label(app, "Cooperation modes")] == "合作开发、委托开发"
    assert row[label(app, "Industry code")] == "C38"
    assert row[label(app, "Industry")] == taxonomy.industry_label("C", "38")
    assert row[label(app, "Budget from (万元)")] == pytest.approx(50.5)
    assert row[label(app, "Budget up to (万元)")] == 200
    assert row[label(app, "Required maturity (TRL)")] == 6
    assert row[label(app, "Challenge")] == label(app, "yes")
    assert row[label(app, "Challenge bounty (万元)")] == 80
    assert by_id[open_budget.id][label(app, "Budget from (万元)")] == label(app, "Negotiable")
    csv_row = next(r for r in records(csv_rows(client.get("/demands/export.csv")))
                   if r[label(app, "ID")] == str(demand.id))
    assert csv_row[label(app, "Budget from (万元)")] == "50.50"  # exact decimals, no float noise


def test_filters_including_challenges_match_the_page(client, db, browse_mode):
    made = [make_demand(make_org(region_code="330100"), title="杭州锂电需求", field_code="T06",
                        budget_min=Decimal("10"), budget_max=Decimal("20"), cooperation_modes=["transfer"]),
            make_demand(make_org(region_code="110100"), title="北京材料揭榜", field_code="T05", is_challenge=True,
                        bounty=Decimal("100"), budget_min=Decimal("300"), budget_max=Decimal("500")),
            make_demand(make_org(region_code="110100"), title="北京锂电需求", field_code="T06", required_trl=8)]
    browse_mode()

    def page(**params):
        html = client.get("/demands/", query_string=params).get_data(as_text=True)
        return {d.title for d in made if f'href="/demands/{d.id}"' in html}

    def exported(**params):
        rows = csv_rows(client.get("/demands/export.csv", query_string=params))
        return set(column(rows, label(client.application, "Title")))

    for params in ({}, {"field": "T06"}, {"region": "110000"}, {"challenge": "1"}, {"amount_min": "100"},
                   {"trl_min": "7"}, {"mode": "transfer"}, {"field": "T06", "region": "110100"}):
        assert exported(**params) == page(**params), params
    assert exported(challenge="1") == {"北京材料揭榜"}
    assert exported(field="T06", region="110100") == {"北京锂电需求"}


def test_drafts_and_expired_demands_are_never_exported(client, login, db):
    org = make_org()
    public = make_demand(org, title="公开的需求")
    hidden = [make_demand(org, title="草稿需求", status=ListingStatus.DRAFT),
              make_demand(org, title="待审需求", status=ListingStatus.PENDING),
              make_demand(org, title="关闭的需求", status=ListingStatus.CLOSED),
              make_demand(org, title="过期的需求", valid_until=dt.date.today() - dt.timedelta(days=3))]
    for viewer in (client, login(make_user(org)), login(make_operator())):
        body = viewer.get("/demands/export.csv").data.decode("utf-8-sig")
        assert public.title in body
        assert not any(h.title in body for h in hidden)
        assert "13800000000" not in body and "zhang@example.cn" not in body and "保密细节" not in body


def test_file_name_and_formats(client, db):
    assert download_name(client.get("/demands/export.csv")).startswith(label(client.application,
                                                                             "Technology demands"))
    assert client.get("/demands/export.json").status_code == 404


# --- a demand list (需求清单) ----------------------------------------------------------------------

@pytest.fixture
def gathered(db):
    operator = make_operator()
    org = make_org()
    shown = [make_demand(org, title="清单里的需求一"), make_demand(org, title="清单里的需求二")]
    later_closed = make_demand(org, title="后来关闭的需求")
    published = demand_lists.save_demand_list(operator, demand_lists.DemandListData(
        name="示范园区2026年技术需求清单", source="示范高新区", region_code="330100", issued_on=dt.date(2026, 3, 1),
        is_published=True))
    draft_list = demand_lists.save_demand_list(operator, demand_lists.DemandListData(
        name="未发布的清单", source="示范高新区", region_code="330100", issued_on=dt.date(2026, 3, 1)))
    for demand in (*shown, later_closed):
        demand_lists.add_to_list(operator, published, demand)
    demand_lists.add_to_list(operator, draft_list, shown[0])
    later_closed.status = ListingStatus.CLOSED
    db.session.commit()
    return {"operator": operator, "owner": make_user(org), "list": published, "draft": draft_list, "shown": shown,
            "closed": later_closed}


def test_a_demand_list_exports_what_its_page_shows(app, client, login, gathered):
    url = f"/demand-lists/{gathered['list'].id}"
    for viewer in (client, login(make_user(make_org())), login(gathered["owner"]), login(gathered["operator"])):
        html = viewer.get(url).get_data(as_text=True)
        on_page = {d.title for d in (*gathered["shown"], gathered["closed"]) if f'href="/demands/{d.id}"' in html}
        rows = xlsx_rows(viewer.get(f"{url}/export.xlsx"), header_row=2)  # the list's name is on the first row
        assert set(column(rows, label(app, "Title"))) == on_page
        assert column(rows, "#") == list(range(1, len(on_page) + 1))
    public = set(column(csv_rows(client.get(f"{url}/export.csv")), label(app, "Title")))
    assert public == {d.title for d in gathered["shown"]}  # the closed demand is not shown to the public
    assert download_name(client.get(f"{url}/export.csv")).startswith("示范园区2026年技术需求清单-")
    assert f"{url}/export.xlsx" in client.get(url).get_data(as_text=True)


def test_an_unpublished_demand_list_is_exported_to_operators_only(client, login, gathered):
    url = f"/demand-lists/{gathered['draft'].id}/export.csv"
    assert client.get(url).status_code == 404
    assert login(gathered["owner"]).get(url).status_code == 404
    rows = csv_rows(login(gathered["operator"]).get(url))
    assert gathered["shown"][0].title in {c for r in rows for c in r}
    assert client.get("/demand-lists/999999/export.csv").status_code == 404
