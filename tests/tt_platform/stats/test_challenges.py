"""The 揭榜挂帅 tables on the operators' statistics dashboard and in its CSV/XLSX exports: challenges
published, applications (per challenge), success rate, bounty committed and paid, by field and by the
issuer's province, computed by the challenges package and filtered by the dashboard's filters."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from html import unescape

import openpyxl
import pytest

from tests.factories import make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import AFTER_CLOSE, NOW, published, reviewed, submitted
from tt_platform import taxonomy
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import delivery
from tt_platform.database import CHINA, china_today
from tt_platform.stats import services
from tt_platform.stats.services import StatsFilter

WAN = 1_000_000
T01, T06 = taxonomy.field_label("T01"), taxonomy.field_label("T06")


@pytest.fixture
def world(db):
    """Zhejiang, T06: one challenge won (100 万元, 30 万元 paid), one 流榜 (50 万元), two applications each;
    Beijing, T01: one open challenge (20 万元) with one application."""
    issuer, won, (a, _b) = reviewed(bounty_fen=100 * WAN)
    delivery.select(issuer, won, [a.id], None, now=AFTER_CLOSE)
    delivery.start(issuer, won, now=AFTER_CLOSE + delivery.NOTICE)
    delivery.report(a.organisation.memberships[0].user, a.milestones[0], "小样完成并送检。", "检测报告")
    delivery.decide(issuer, a.milestones[0], True, None)
    delivery.record_payment(issuer, a.milestones[0], 30 * WAN, china_today(), "回单 01")
    issuer2, failed, _apps = reviewed(bounty_fen=50 * WAN)
    delivery.fail(issuer2, failed, "均未达标", now=AFTER_CLOSE)
    beijing = make_user(make_org(region_code="110108"), admin=True)
    open_one = published(beijing, field_code="T01", region_code="110108", bounty_fen=20 * WAN)
    submitted(make_user(make_org(OrgKind.UNIVERSITY)), open_one)
    db.session.commit()


#: (label, published, applications, per challenge, with a winner, 流榜, success %, committed, paid 万元)
BY_FIELD = [(T01, 1, 1, "1.0", 0, 0, None, "0.00", "0.00"), (T06, 2, 4, "2.0", 1, 1, "50.0", "100.00", "30.00"),
            ("合计", 3, 5, "1.7", 1, 1, "50.0", "100.00", "30.00")]
BY_REGION = [("北京市", 1, 1, "1.0", 0, 0, None, "0.00", "0.00"),
             ("浙江省", 2, 4, "2.0", 1, 1, "50.0", "100.00", "30.00"),
             ("合计", 3, 5, "1.7", 1, 1, "50.0", "100.00", "30.00")]


def _rows(found: services.ChallengeTable) -> list[tuple]:
    return [(r.label, r.published, r.applications, str(r.per_challenge), r.won, r.failed,
             None if r.success_rate is None else str(r.success_rate), f"{Decimal(r.committed_fen) / WAN:.2f}",
             f"{Decimal(r.paid_fen) / WAN:.2f}") for r in [*found.table.rows, found.table.totals]]


def _html_row(row: tuple) -> str:
    label, *numbers = row
    cells = "".join(f'<td class="text-end">{"—" if n is None else n}</td>' for n in numbers)
    return f"<td>{label}</td>{cells}"


def test_the_tables_come_from_the_challenges_computation(app, world):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert _rows(services.challenges(StatsFilter(), "field")) == BY_FIELD
        assert _rows(services.challenges(StatsFilter(), "region")) == BY_REGION
        # the dashboard's filters: field, the issuer's region, the publication date (Beijing)
        assert [r[0] for r in _rows(services.challenges(StatsFilter(field_code="T01"), "field"))] == [T01, "合计"]
        assert [r[:3] for r in _rows(services.challenges(StatsFilter(region="33"), "region"))][0] == ("浙江省", 2, 4)
        published_on = NOW.astimezone(CHINA).date()
        assert _rows(services.challenges(StatsFilter(start=published_on, end=published_on), "field")) == BY_FIELD
        later = services.challenges(StatsFilter(start=published_on + dt.timedelta(days=1)), "field")
        assert later.table.rows == [] and later.table.totals.published == 0


def test_the_dashboard_shows_both_tables_and_their_chart(world, login):
    page = login(make_operator()).get("/stats/", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    html = page.text
    for name, expected in (("challenges_by_field", BY_FIELD), ("challenges_by_region", BY_REGION)):
        table = html[html.index(f'id="table-{name}"'):]
        table = table[:table.index("</table>")]
        for row in expected:
            assert _html_row(row) in table, (name, row)
        assert f"/stats/export/{name}.csv" in table and f"/stats/export/{name}.xlsx" in table
    charts = [json.loads(unescape(raw)) for raw in re.findall(r'data-chart="([^"]*)"', html)]
    bounty = next(c for c in charts if [s["name"] for s in c["series"]] == ["已确定榜额（万元）", "已拨付榜额（万元）"])
    assert bounty["xAxis"]["data"] == [T01, T06]
    assert [s["data"] for s in bounty["series"]] == [[0.0, 100.0], [0.0, 30.0]]
    assert "/challenges/statistics" in html
    filtered = login(make_operator()).get("/stats/?field=T01", headers={"Accept-Language": "zh-CN"}).text
    table = filtered[filtered.index('id="table-challenges_by_field"'):]
    assert T06 not in table[:table.index("</table>")]


def test_each_export_contains_the_table(world, login):
    operator = login(make_operator())
    for name, expected in (("challenges_by_field", BY_FIELD), ("challenges_by_region", BY_REGION)):
        response = operator.get(f"/stats/export/{name}.csv", headers={"Accept-Language": "zh-CN"})
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert f"{name}.csv" in response.headers["Content-Disposition"]
        lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
        assert len(lines) == 1 + len(expected)
        for line, row in zip(lines[1:], expected, strict=True):
            label, *numbers = row
            assert line[1] == label
            assert line[2:] == ["" if n is None else str(n) for n in numbers]
        response = operator.get(f"/stats/export/{name}.xlsx", headers={"Accept-Language": "zh-CN"})
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        assert sheet.title == name and "揭榜挂帅" in sheet["A1"].value
        values = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
        assert len(values) == len(expected)
        for got, row in zip(values, expected, strict=True):
            label, published_count, applications, per, won, failed, rate, committed, paid = row
            assert got[1] == label and got[2:4] == [published_count, applications]
            assert got[4] == float(per) and got[5:7] == [won, failed]
            assert got[7] == (None if rate is None else float(rate))
            assert got[8:10] == [float(committed), float(paid)]
    filtered = operator.get("/stats/export/challenges_by_region.csv?region=11").data.decode("utf-8-sig")
    assert "110000" not in filtered and len(filtered.strip().splitlines()) == 3  # header, 北京市, total


def test_exports_are_for_operators_and_names_are_checked(world, login):
    assert login(make_user()).get("/stats/export/challenges_by_field.csv").status_code == 403
    operator = login(make_operator())
    assert operator.get("/stats/export/challenges_by_nothing.csv").status_code == 404
    assert operator.get("/stats/export/challenges_by_field.pdf").status_code == 404
