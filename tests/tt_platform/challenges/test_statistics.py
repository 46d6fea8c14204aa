"""揭榜挂帅 statistics: counts, applications per challenge, success rate and bounty committed and paid,
by field and by province, on the operators' page and in its CSV/XLSX exports."""
from __future__ import annotations

from decimal import Decimal

from tests.factories import make_operator, make_org, make_user
from tests.tt_platform.challenges.helpers import AFTER_CLOSE, published, reviewed, submitted
from tt_platform.accounts.models import OrgKind
from tt_platform.challenges import delivery, statistics
from tt_platform.database import china_today


def world():
    issuer, won, (a, _b) = reviewed(bounty_fen=100 * 1_000_000)  # T06, Zhejiang
    delivery.select(issuer, won, [a.id], None, now=AFTER_CLOSE)
    delivery.start(issuer, won, now=AFTER_CLOSE + delivery.NOTICE)
    team = a.organisation.memberships[0].user
    delivery.report(team, a.milestones[0], "小样完成并送检。", "检测报告")
    delivery.decide(issuer, a.milestones[0], True, None)
    delivery.record_payment(issuer, a.milestones[0], 30 * 1_000_000, china_today(), "回单 01")
    issuer2, failed, _apps = reviewed(bounty_fen=50 * 1_000_000)
    delivery.fail(issuer2, failed, "均未达标", now=AFTER_CLOSE)
    beijing = make_user(make_org(region_code="110108"), admin=True)
    open_one = published(beijing, field_code="T01", region_code="110108", bounty_fen=20 * 1_000_000)
    submitted(make_user(make_org(OrgKind.UNIVERSITY)), open_one)
    return won, failed, open_one


def test_the_tables_by_field_and_by_province(db):
    world()
    by_field = statistics.table("field")
    t06 = next(r for r in by_field.rows if r.key == "T06")
    assert (t06.published, t06.applications, t06.won, t06.failed) == (2, 4, 1, 1)
    assert t06.success_rate == Decimal("50.0") and t06.per_challenge == Decimal("2.0")
    assert (t06.committed_fen, t06.paid_fen) == (100 * 1_000_000, 30 * 1_000_000)
    assert by_field.totals.published == 3 and by_field.totals.applications == 5
    by_region = statistics.table("region")
    assert {r.key: r.published for r in by_region.rows} == {"11": 1, "33": 2}
    assert next(r for r in by_region.rows if r.key == "11").success_rate is None  # nothing ended there


def test_the_page_and_exports_are_for_operators(db, login):
    world()
    operator, someone = make_operator(), make_user()
    db.session.commit()
    page = login(operator).get("/challenges/statistics?by=region")
    assert page.status_code == 200 and "浙江省" in page.text
    csv = login(operator).get("/challenges/statistics.csv?by=field")
    assert csv.status_code == 200 and "T06" in csv.data.decode("utf-8-sig")
    assert login(operator).get("/challenges/statistics.xlsx").status_code == 200
    assert login(someone).get("/challenges/statistics").status_code == 403
