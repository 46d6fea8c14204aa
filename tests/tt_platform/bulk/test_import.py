"""Bulk import of results and demands from real files: template, preview, all-or-nothing, re-import, who may."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from tests.factories import make_demand, make_operator, make_org, make_user
from tests.sheets import xlsx_of as xlsx_bytes
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements import services as achievements
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry
from tt_platform.bulk import columns, files, services, template
from tt_platform.bulk.models import ImportJob, ImportStatus
from tt_platform.demands.models import Demand
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings import services as listings
from tt_platform.listings.models import ListingStatus

VALID_UNTIL = (dt.date.today() + dt.timedelta(days=200)).isoformat()


def result_row(n: int, **overrides) -> dict[str, str]:
    row = {
        "外部编号 External reference": f"TTO-{n:04d}", "标题* Title": f"风电叶片覆冰监测系统第{n}号",
        "公开摘要* Public summary": "基于光纤光栅传感的叶片覆冰厚度实时监测。",
        "详细介绍* Detailed description": "传感器阵列布置于叶片前缘，解调算法实时反演覆冰厚度。",
        "技术领域* Technology field": "新能源与高效节能", "关键词 Keywords": "覆冰，光纤传感",
        "地区* Region": "浙江省 杭州市", "合作方式* Cooperation modes": "技术转让、技术许可",
        "有效期至* Valid until": VALID_UNTIL, "联系人* Contact person": "孙老师",
        "联系电话* Contact phone": "0571-88880000", "技术成熟度* Maturity (TRL)": "6",
        "转让价格（万元） Asking price (万元)": "200", "价格面议 Price negotiable": "否",
        "知识产权1类型 IP 1 type": "发明专利", "知识产权1号 IP 1 number": f"ZL2020101{n:05d}.7",
        "知识产权1名称 IP 1 title": "一种覆冰监测装置", "知识产权1状态 IP 1 status": "granted",
    }
    row.update(overrides)
    return row


def demand_row(n: int, **overrides) -> dict[str, str]:
    row = {
        "Title": f"高温合金叶片涂层寿命预测{n}", "Public summary": "需要预测燃机叶片涂层的服役寿命。",
        "Technical problem to solve": "涂层剥落导致停机，缺少寿命预测模型。", "Technology field": "T05",
        "Region": "330100", "Cooperation modes": "joint_dev", "Valid until": VALID_UNTIL,
        "Contact person": "王工", "Contact phone": "0571-66660000", "Budget from (万元)": "50",
        "Budget up to (万元)": "150", "Industry (GB/T 4754-2017)": "38", "Open challenge": "否",
        "Challenge bounty (万元)": "",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def run(kind_name, data, filename, actor, org, *, write=True, **options):
    table = files.read_table(data, filename)
    return services.run(services.KINDS[kind_name], table, actor, org, services.Options(**options), write=write)


def count(db, model, **where) -> int:
    stmt = sa.select(sa.func.count()).select_from(model)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return db.session.scalar(stmt)


@pytest.fixture
def university(db):
    org = make_org(OrgKind.UNIVERSITY)
    return org, make_user(org, admin=True)


def test_an_xlsx_file_of_results_enters_the_review_queue_with_audit_and_outbox_rows(app, db, university):
    org, admin = university
    report = run("results", xlsx_bytes([result_row(1), result_row(2)]), "results.xlsx", admin, org)
    assert not report.has_errors, report.to_json()
    assert report.written and report.counts()["created"] == 2
    created = db.session.scalars(sa.select(Achievement).where(Achievement.organisation_id == org.id)).all()
    assert {r.external_ref for r in created} == {"TTO-0001", "TTO-0002"}
    first = next(r for r in created if r.external_ref == "TTO-0001")
    assert first.status is ListingStatus.PENDING and first.field_code == "T06" and first.region_code == "330100"
    assert first.cooperation_modes == ["transfer", "license"] and first.trl == 6
    assert [(ip.ip_type, ip.status) for ip in first.ip_records] == [("invention_patent", "granted")]
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.entity_type == "achievement",
                                                                    AuditEntry.entity_id == first.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["created", "submitted"]
    assert count(db, SearchOutbox, entity_type="achievement", entity_id=first.id) >= 1


def test_one_bad_row_among_a_thousand_writes_nothing_and_is_named(app, db, university):
    org, admin = university
    rows = [result_row(n) for n in range(1000)]
    rows[636] = result_row(636, **{"有效期至* Valid until": "2026-02-30"})
    before = count(db, Achievement)
    report = run("results", csv_bytes(rows), "results.csv", admin, org)
    assert report.has_errors and not report.written
    bad = [r for r in report.rows if r.errors]
    assert [r.number for r in bad] == [638]  # header is row 1, rows[0] is row 2
    assert bad[0].errors[0][0] == "有效期至* Valid until" and "2026-02-30" in bad[0].errors[0][1]
    assert count(db, Achievement) == before
    assert count(db, AuditEntry, entity_type="achievement") == 0


@pytest.mark.parametrize(("overrides", "column"), [
    ({"标题* Title": ""}, "标题"),
    ({"标题* Title": "题" * 201}, "标题"),
    ({"地区* Region": "火星"}, "地区* Region"),
    ({"转让价格（万元） Asking price (万元)": "二百"}, "转让价格（万元）"),
    ({"技术成熟度* Maturity (TRL)": "12"}, "技术成熟度* Maturity (TRL)"),
    ({"知识产权1号 IP 1 number": ""}, "知识产权"),
])
def test_row_errors_name_the_column(app, db, university, overrides, column):
    org, admin = university
    report = run("results", xlsx_bytes([result_row(1, **overrides)]), "r.xlsx", admin, org, write=False)
    assert report.has_errors
    assert report.rows[0].errors[0][0] == column


def test_a_preview_writes_nothing_even_without_errors(app, db, university):
    org, admin = university
    report = run("results", xlsx_bytes([result_row(1)]), "r.xlsx", admin, org, write=False)
    assert not report.has_errors and report.rows[0].action == "created" and not report.written
    assert count(db, Achievement, organisation_id=org.id) == 0


def test_duplicates_within_the_file_and_re_import(app, db, university):
    org, admin = university
    report = run("results", xlsx_bytes([result_row(1), result_row(1)]), "r.xlsx", admin, org, write=False)
    assert [r.number for r in report.rows if r.errors] == [3]

    first = run("results", xlsx_bytes([result_row(1)]), "r.xlsx", admin, org)
    again = run("results", xlsx_bytes([result_row(1)]), "r.xlsx", admin, org)
    assert again.has_errors and not again.written and again.rows[0].action == "error"
    assert str(first.rows[0].listing_id) in again.rows[0].errors[0][1]  # names the listing it would duplicate
    same = run("results", xlsx_bytes([result_row(1)]), "r.xlsx", admin, org, update_existing=True)
    assert same.rows[0].action == "unchanged"
    changed = run("results", xlsx_bytes([result_row(1, **{"转让价格（万元） Asking price (万元)": "260"})]), "r.xlsx",
                  admin, org, update_existing=True)
    assert changed.rows[0].action == "updated"
    assert count(db, Achievement, organisation_id=org.id) == 1


def test_another_organisations_reference_is_refused(app, db, university):
    org, admin = university
    other = make_org(OrgKind.UNIVERSITY)
    run("results", xlsx_bytes([result_row(7)]), "r.xlsx", make_user(other, admin=True), other)
    report = run("results", xlsx_bytes([result_row(7)]), "r.xlsx", admin, org, update_existing=True)
    assert report.has_errors and report.rows[0].errors[0][0] in ("外部编号", "External reference")


def test_demands_from_gbk_csv_with_english_headers_and_codes(app, db):
    org = make_org()
    admin = make_user(org, admin=True)
    data = csv_bytes([demand_row(1), demand_row(2, **{"Open challenge": "是", "Challenge bounty (万元)": "300"})],
                     encoding="gbk")
    table = files.read_table(data, "demands.csv")
    assert table.encoding == "gb18030"
    report = services.run(services.KINDS["demands"], table, admin, org, services.Options(), write=True)
    assert report.written, report.to_json()
    demands = db.session.scalars(sa.select(Demand).where(Demand.organisation_id == org.id).order_by(Demand.id)).all()
    assert [d.industry_division for d in demands] == ["38", "38"] and demands[0].industry_section == "C"
    assert demands[1].is_challenge and str(demands[1].bounty) in ("300", "300.00")


def test_unknown_and_missing_columns(app, db, university):
    org, admin = university
    report = run("results", xlsx_bytes([result_row(1, 备注="内部备注")]), "r.xlsx", admin, org, write=False)
    assert not report.has_errors and any("备注" in w for w in report.file_warnings)
    row = result_row(1)
    del row["标题* Title"]
    report = run("results", xlsx_bytes([row]), "r.xlsx", admin, org, write=False)
    assert report.file_errors and "标题" in report.file_errors[0] and not report.rows


def test_jsonl_with_lists(app, db, university):
    org, admin = university
    line = {"title": "风电叶片覆冰监测系统", "summary": "叶片覆冰厚度实时监测。", "description": "详细的监测方案说明。",
            "field_code": "T06", "region_code": "330100", "cooperation_modes": ["transfer", "技术许可"],
            "valid_until": VALID_UNTIL, "contact_name": "孙老师", "contact_phone": "0571-1", "trl": 6,
            "price_negotiable": True}
    report = run("results", json.dumps(line, ensure_ascii=False).encode(), "r.jsonl", admin, org)
    assert report.written, report.to_json()
    result = db.session.scalar(sa.select(Achievement).where(Achievement.organisation_id == org.id))
    assert result.cooperation_modes == ["transfer", "license"] and result.price_negotiable


def test_who_imports_for_whom(app, db, university):
    org, admin = university
    kind = services.KINDS["results"]
    member = make_user(org)
    with pytest.raises(services.ImportRefused):
        services.check_target(member, kind, org)  # not an admin
    with pytest.raises(services.ImportRefused):
        services.check_target(make_user(make_org(), admin=True), kind, org)  # an enterprise's admin
    assert services.check_target(admin, kind, None) == org
    operator = make_operator()
    assert services.check_target(operator, kind, org) == org
    report = run("results", xlsx_bytes([result_row(3)]), "r.xlsx", operator, org, publish=True)
    assert report.written, report.to_json()
    published = db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "TTO-0003"))
    assert published.status is ListingStatus.PUBLISHED and published.organisation_id == org.id
    with pytest.raises(services.ImportRefused):
        run("results", xlsx_bytes([result_row(4)]), "r.xlsx", admin, org, publish=True)


def test_cell_reading():
    assert columns.REGIONS.resolve("浙江省 杭州市") == "330100"
    assert columns.REGIONS.resolve("330100 浙江省 杭州市") == "330100"
    assert columns.INDUSTRY.resolve("38") == "C:38"
    assert columns.MODES.resolve("技术转让") == "transfer"
    with pytest.raises(columns.CellProblem):
        columns.FIELDS.resolve("不存在的领域")
    date = columns.Column("d", "日期", "Date", kind="date")
    assert date.read("2026年3月1日") == "2026-03-01" and date.read("2026/3/1") == "2026-03-01"
    with pytest.raises(columns.CellProblem):
        date.read("2026-02-30")
    yes_no = columns.Column("b", "是否", "Yes/no", kind="bool")
    assert yes_no.read("是") == "y" and yes_no.read("否") == "" and yes_no.read(True) == "y"
    with pytest.raises(columns.CellProblem):
        yes_no.read("也许")


def test_the_template_has_bilingual_headers_drop_downs_and_reads_back(app, db, tmp_path, university):
    org, admin = university
    out = tmp_path / "results.xlsx"
    result = app.test_cli_runner().invoke(args=["import", "template", "results", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == template.template_xlsx(columns.RESULTS, str(services.KINDS["results"].label))
    book = openpyxl.load_workbook(out)
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["外部编号 External reference", "标题* Title"]
    lists = book["代码表"]
    assert lists.sheet_state == "hidden"
    field_col = headers.index("技术领域* Technology field")
    validation = next(v for v in sheet.data_validations.dataValidation
                      if sheet.cell(2, field_col + 1).coordinate in v.sqref)
    assert validation.type == "list" and "代码表" in validation.formula1
    names = {c.value for c in next(col for col in lists.iter_cols() if col[0].value == "技术领域")[1:]}
    assert "新能源与高效节能" in names
    # the example row of the template itself imports
    report = run("results", out.read_bytes(), "results.xlsx", admin, org, write=False)
    assert not report.has_errors, report.to_json()


def test_the_cli_imports_and_exits_non_zero_on_errors(app, db, tmp_path, university, index):
    org, _admin = university
    make_operator()
    db.session.commit()  # as a real database would hold them: each command rolls back what it did not commit
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(xlsx_bytes([result_row(11), result_row(12)]))
    bad.write_bytes(xlsx_bytes([result_row(13), result_row(14, **{"技术领域* Technology field": "XX"})]))
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "results", str(good), "--org", org.credit_code, "--dry-run"])
    assert dry.exit_code == 0 and "2 created" in dry.output and count(db, Achievement, organisation_id=org.id) == 0
    failed = runner.invoke(args=["import", "results", str(bad), "--org", org.credit_code])
    assert failed.exit_code != 0 and "row 3" in failed.output
    assert count(db, Achievement, organisation_id=org.id) == 0
    assert index.count() == 0  # the dry run and the failed file indexed nothing
    done = runner.invoke(args=["import", "results", str(good), "--org", org.credit_code])
    assert done.exit_code == 0, done.output
    assert count(db, Achievement, organisation_id=org.id) == 2
    # indexed alongside the import: searchable at once, the outbox rows processed
    ids = db.session.scalars(sa.select(Achievement.id).where(Achievement.organisation_id == org.id)).all()
    assert set(index.versions()) == {f"achievement:{i}" for i in ids} and "indexed for search" in done.output
    assert count(db, SearchOutbox, processed_at=None) == 0


def test_the_web_flow_preview_confirm_and_permissions(app, db, login, tmp_path, university):
    org, admin = university
    app.config["UPLOAD_DIR"] = str(tmp_path)
    client = login(admin)
    page = client.get("/imports/")
    assert page.status_code == 200 and "/imports/template/results.xlsx" in page.get_data(as_text=True)
    assert client.get("/imports/template/results.xlsx").headers["Content-Type"].startswith("application/vnd.open")
    upload = client.post("/imports/results/new", data={
        "organisation_id": org.id, "file": (io.BytesIO(xlsx_bytes([result_row(21, 备注="x"), result_row(22)])),
                                            "成果.xlsx")}, content_type="multipart/form-data")
    assert upload.status_code == 302
    job = db.session.scalar(sa.select(ImportJob).where(ImportJob.user_id == admin.id))
    assert job.status is ImportStatus.PREVIEWED and (tmp_path / "imports" / job.stored_name).exists()
    assert count(db, Achievement, organisation_id=org.id) == 0
    html = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "备注" in html and "confirm-form" in html
    # someone else sees nothing of it
    assert login(make_user(org)).get(f"/imports/{job.id}").status_code == 404
    assert login(make_user(make_org(), admin=True)).get("/imports/results/new").status_code == 403
    # warnings must be accepted
    client.post(f"/imports/{job.id}/confirm", data={})
    assert count(db, Achievement, organisation_id=org.id) == 0
    client.post(f"/imports/{job.id}/confirm", data={"accept_warnings": "y"})
    db.session.refresh(job)
    assert job.status is ImportStatus.IMPORTED and job.stored_name is None
    assert not list((tmp_path / "imports").iterdir())
    assert count(db, Achievement, organisation_id=org.id) == 2


def test_the_web_flow_refuses_to_confirm_a_file_with_errors(app, db, login, tmp_path, university):
    org, admin = university
    app.config["UPLOAD_DIR"] = str(tmp_path)
    client = login(admin)
    client.post("/imports/results/new", data={
        "organisation_id": org.id, "file": (io.BytesIO(xlsx_bytes([result_row(31, **{"地区* Region": "火星"})])),
                                            "r.xlsx")}, content_type="multipart/form-data")
    job = db.session.scalar(sa.select(ImportJob).where(ImportJob.user_id == admin.id))
    html = client.get(f"/imports/{job.id}").get_data(as_text=True)
    assert "火星" in html and "confirm-form" not in html
    client.post(f"/imports/{job.id}/confirm", data={"accept_warnings": "y"})
    assert count(db, Achievement, organisation_id=org.id) == 0


def test_a_demand_already_on_the_platform_by_title(app, db):
    org = make_org()
    admin = make_user(org, admin=True)
    make_demand(org, title="高温合金叶片涂层寿命预测1")
    report = run("demands", xlsx_bytes([demand_row(1)]), "d.xlsx", admin, org, write=False)
    assert report.has_errors and report.rows[0].errors[0][0] in ("行", "Row")


def test_stale_previews_are_discarded_and_their_files_deleted(app, db, login, tmp_path, university):
    org, admin = university
    app.config["UPLOAD_DIR"] = str(tmp_path)
    login(admin).post("/imports/results/new", data={
        "organisation_id": org.id, "file": (io.BytesIO(xlsx_bytes([result_row(41)])), "r.xlsx")},
        content_type="multipart/form-data")
    job = db.session.scalar(sa.select(ImportJob).where(ImportJob.user_id == admin.id))
    stored = tmp_path / "imports" / job.stored_name
    assert stored.exists()
    runner = app.test_cli_runner()
    assert "0 stale" in runner.invoke(args=["import", "purge", "--days", "2"]).output
    job.created_at = job.created_at - dt.timedelta(days=3)
    db.session.flush()
    assert "1 stale" in runner.invoke(args=["import", "purge", "--days", "2"]).output
    db.session.refresh(job)
    assert job.status is ImportStatus.DISCARDED and job.stored_name is None and not stored.exists()


def test_a_row_failing_in_the_service_inside_a_batch_is_named_and_nothing_is_written(
        app, db, university, monkeypatch):
    """Rows are saved 200 to a flush; a row the service refuses sends its chunk back row by row."""
    org, admin = university
    original = listings.create_listing

    def refusing(user, model, data, **kwargs):
        if data.title.endswith("第150号"):
            raise achievements.AchievementError("该成果不能发布（测试）")
        return original(user, model, data, **kwargs)

    monkeypatch.setattr(listings, "create_listing", refusing)
    report = run("results", csv_bytes([result_row(n) for n in range(1, 301)]), "r.csv", admin, org)
    assert not report.written and report.counts()["error"] == 1
    assert [(r.number, r.errors) for r in report.rows if r.errors] == [(151, [("行", "该成果不能发布（测试）")])]
    assert [r.action for r in report.rows].count("created") == 299
    assert count(db, Achievement, organisation_id=org.id) == 0


def test_a_conflict_only_the_database_sees_is_named_on_its_row(app, db, university, monkeypatch):
    org, admin = university
    other = make_org(OrgKind.UNIVERSITY)
    taken = csv_bytes([result_row(900, **{"外部编号 External reference": "OTHER-1"})])
    assert not run("results", taken, "o.csv", make_user(other, admin=True), other).has_errors
    original = listings.create_listing

    def racing(user, model, data, **kwargs):
        listing = original(user, model, data, **kwargs)
        if data.title.endswith("第7号"):
            listing.external_ref = "OTHER-1"  # as if another import took the reference after this file was read
        return listing

    monkeypatch.setattr(listings, "create_listing", racing)
    rows = [result_row(n) for n in range(1, 11)]
    for row in rows:
        row.pop("外部编号 External reference")
    report = run("results", csv_bytes(rows), "r.csv", admin, org)
    assert not report.written
    assert [r.number for r in report.rows if r.errors] == [8]
    assert "冲突" in next(r for r in report.rows if r.errors).errors[0][1]
    assert count(db, Achievement, organisation_id=org.id) == 0


def test_saved_rows_leave_the_session_without_a_query_each(app, db, university):
    """A written chunk's listings and their IP records leave the identity map (a 50,000-row import must not
    keep them all), and letting them go reads nothing: one SELECT per listing was a quarter of the import."""
    from tt_platform.achievements.models import IPRecord

    org, admin = university
    with_ip = [result_row(n) for n in range(1, 6)]
    without_ip_columns = [{k: v for k, v in result_row(n).items() if not k.startswith("知识产权")}
                          for n in range(6, 16)]
    for rows in (with_ip, without_ip_columns):
        selects = []

        def count_selects(state, selects=selects):
            if state.is_select:
                selects.append(state.statement)

        table = files.read_table(xlsx_bytes(rows), "results.xlsx")
        sa.event.listen(db.session, "do_orm_execute", count_selects)
        try:
            report = services.run(services.KINDS["results"], table, admin, org, services.Options(), write=True)
        finally:
            sa.event.remove(db.session, "do_orm_execute", count_selects)
        assert report.written and report.counts()["created"] == len(rows), report.to_json()
        held = [obj for obj in db.session.identity_map.values() if isinstance(obj, Achievement | IPRecord)]
        assert held == []
        assert len(selects) < len(rows)  # look-ups once per import, not once per row
    assert count(db, IPRecord) == 5
