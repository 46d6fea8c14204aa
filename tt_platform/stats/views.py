"""Statistics dashboards (operators), the public summary of the current year, CSV/XLSX exports."""
from __future__ import annotations

import datetime as dt
import json

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from tt_platform import money, spreadsheets, taxonomy
from tt_platform.database import china_today
from tt_platform.security import OPERATOR, PUBLIC, permission
from tt_platform.stats import export, services
from tt_platform.stats.services import StatsFilter, Table

bp = Blueprint("stats", __name__, url_prefix="/stats")


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def filter_from_args(args) -> StatsFilter:
    """Unknown or malformed values are dropped (the form shows what was applied)."""
    region = (args.get("region") or "").strip()
    region = region if region.isdigit() and len(region) in (2, 4) else None
    field_code = args.get("field") if args.get("field") in taxonomy.fields() else None
    type_code = args.get("type") if args.get("type") in taxonomy.contract_types() else None
    start, end = _date(args.get("start")), _date(args.get("end"))
    if start and end and start > end:
        start, end = end, start
    return StatsFilter(start=start, end=end, region=region, field_code=field_code, type_code=type_code,
                       pre_2021=args.get("view") == "pre2021")


def _wan(fen: int) -> float:
    # ECharts draws numbers; the tables beside the charts carry the exact figures
    return float(money.fen_to_wan(fen))


def chart(table: Table, kind: str = "bar", measure: str = "tech_fen") -> str:
    """An ECharts option as JSON, read by static/js/stats.js (no inline script under the CSP)."""
    labels = [r.label for r in table.rows]
    name = _("Technology transaction amount (万元)") if measure == "tech_fen" else _("Contract amount (万元)")
    values = [_wan(getattr(r, measure)) for r in table.rows]
    if kind == "pie":
        option = {"tooltip": {"trigger": "item"},
                  "series": [{"type": "pie", "radius": ["35%", "70%"], "name": name,
                              "data": [{"name": n, "value": v} for n, v in zip(labels, values, strict=True)]}]}
    else:
        option = {"tooltip": {"trigger": "axis"}, "legend": {},
                  "grid": {"left": 60, "right": 20, "bottom": 60, "containLabel": True},
                  "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 30 if len(labels) > 6 else 0}},
                  "yAxis": {"type": "value", "name": _("万元")},
                  "series": [{"type": kind, "name": _("Contract amount (万元)"),
                              "data": [_wan(r.total_fen) for r in table.rows]},
                             {"type": kind, "name": _("Technology transaction amount (万元)"), "data": values}]}
    return json.dumps(option, ensure_ascii=False)


def challenge_chart(table: services.ChallengeTable) -> str:
    """揭榜挂帅 bounty committed and paid per row (万元), as an ECharts option."""
    rows = table.table.rows
    labels = [r.label for r in rows]
    option = {"tooltip": {"trigger": "axis"}, "legend": {},
              "grid": {"left": 60, "right": 20, "bottom": 60, "containLabel": True},
              "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 30 if len(labels) > 6 else 0}},
              "yAxis": {"type": "value", "name": _("万元")},
              "series": [{"type": "bar", "name": _("Bounty committed (万元)"),
                          "data": [_wan(r.committed_fen) for r in rows]},
                         {"type": "bar", "name": _("Bounty paid (万元)"), "data": [_wan(r.paid_fen) for r in rows]}]}
    return json.dumps(option, ensure_ascii=False)


@bp.route("/")
@permission(OPERATOR)
def dashboard():
    f = filter_from_args(request.args)
    tables = {name: build(f) for name, build in services.TABLES.items()}
    challenge_tables = {name: build(f) for name, build in services.CHALLENGE_TABLES.items()}
    return render_template("stats/dashboard.html", f=f, totals=services.totals(f), tables=tables,
                           challenge_tables=challenge_tables, challenge_chart=challenge_chart,
                           funnel=services.funnel(f), chart=chart, args=request.args,
                           route_measures=services.route_measures(f),
                           type_choices=taxonomy.contract_types())


def _download(body: bytes, fmt: str, filename: str):
    return body, 200, {"Content-Type": spreadsheets.MIMETYPES[fmt],
                       "Content-Disposition": spreadsheets.content_disposition(filename)}


@bp.route("/export/<name>.<fmt>")
@permission(OPERATOR)
def export_table(name: str, fmt: str):
    if fmt not in spreadsheets.MIMETYPES:
        abort(404)
    if name == "route_measures":  # premium and days per pricing route: not a table of contract sums
        headers, rows = export.route_measure_rows(services.route_measures(filter_from_args(request.args)))
        title = _("Pricing routes: premium and time to registration")
        body = spreadsheets.csv_bytes(headers, rows) if fmt == "csv" else \
            spreadsheets.xlsx_bytes(name, headers, rows, title=title)
        return _download(body, fmt, f"{name}.{fmt}")
    if name in services.CHALLENGE_TABLES:
        found = services.CHALLENGE_TABLES[name](filter_from_args(request.args))
        body = export.challenges_to_csv(found) if fmt == "csv" else export.challenges_to_xlsx(found)
        return _download(body, fmt, f"{name}.{fmt}")
    build = services.TABLES.get(name)
    if build is None:
        abort(404)
    table = build(filter_from_args(request.args))
    body = export.to_csv(table) if fmt == "csv" else export.to_xlsx(table)
    return _download(body, fmt, f"tech-contracts-{name}.{fmt}")


@bp.route("/public")
@permission(PUBLIC)
def public():
    year = china_today().year
    f = StatsFilter(start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    tables = {name: services.TABLES[name](f) for name in ("by_month", "by_type", "by_field", "seller_province",
                                                          "seller_party")}
    demo_count = services.totals(StatsFilter(start=f.start, end=f.end, demo=True)).count
    return render_template("stats/public.html", year=year, totals=services.totals(f), tables=tables, chart=chart,
                           demo_count=demo_count)
