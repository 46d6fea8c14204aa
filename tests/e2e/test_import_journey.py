"""A university's admin downloads the template, fills it, uploads it, sees one error, fixes it, watches the
background check and import finish, and the operator finds the rows in the review queue."""
import datetime as dt
import io
import re
import threading

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.factories import make_operator, make_org, make_user
from tt_platform.accounts.models import OrgKind
from tt_platform.bulk import worker
from tt_platform.database import db

pytestmark = pytest.mark.e2e


@pytest.fixture
def people(live_app, tmp_path):
    live_app.config["UPLOAD_DIR"] = str(tmp_path)
    with live_app.app_context():
        org = make_org(OrgKind.UNIVERSITY, name="浙江示范理工大学")
        admin = make_user(org, admin=True, email="tto@e2e-import.example.cn")
        operator = make_operator()
        db.session.commit()
        return admin.email, operator.email


def upload(page, base, path) -> None:
    page.goto(f"{base}/imports/results/new")
    page.set_input_files("#file", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base) + r"/imports/\d+$"))


def filled(template: bytes, region: str) -> bytes:
    """The template as a user fills it: the example row replaced by two results."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    until = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    for row, title in ((2, "钙钛矿叠层太阳电池封装工艺"), (3, "海上风电桩基冲刷监测方法")):
        values = {"外部编号 External reference": f"ZJ-{row}", "标题* Title": title,
                  "公开摘要* Public summary": "面向产业化的成熟工艺，可许可或转让。",
                  "详细介绍* Detailed description": "工艺路线、关键参数与中试数据的详细说明。",
                  "技术领域* Technology field": "新能源与高效节能", "地区* Region": region,
                  "合作方式* Cooperation modes": "技术许可", "有效期至* Valid until": until,
                  "联系人* Contact person": "周老师", "联系电话* Contact phone": "0571-87950000",
                  "技术成熟度* Maturity (TRL)": "6", "价格面议 Price negotiable": "是"}
        for column, header in enumerate(headers, start=1):
            sheet.cell(row, column, values.get(header))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_worker(app, job_id: int) -> None:
    with app.app_context():
        assert worker.run(job_id)
        db.session.remove()


def test_template_upload_preview_fix_confirm_review_queue(browser, live_app, live_server, people, artifacts, tmp_path,
                                                          monkeypatch):
    base, (admin_email, operator_email) = live_server, people
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    log_in(page, base, admin_email)
    page.goto(f"{base}/imports/")
    with page.expect_download() as download:
        page.click("a[href='/imports/template/results.xlsx']")
    template = (tmp_path / "template.xlsx")
    download.value.save_as(template)

    bad = tmp_path / "成果-有误.xlsx"
    bad.write_bytes(filled(template.read_bytes(), region="火星"))
    upload(page, base, bad)
    expect(page.locator("#import-problems")).to_contain_text("火星")
    assert page.locator("#confirm-form").count() == 0
    page.screenshot(path=str(artifacts / "import-preview-error.png"), full_page=True)

    # the corrected file goes to the background (as a large one would): first a `flask import work`
    # process is the worker, so the test sees the bar waiting, then starts the worker and watches the
    # page follow it by itself; the confirmed import runs in the web process's own thread
    monkeypatch.setitem(live_app.config, "IMPORT_BACKGROUND_BYTES", 0)
    monkeypatch.setitem(live_app.config, "IMPORT_WORKER", "cli")
    good = tmp_path / "成果.xlsx"
    good.write_bytes(filled(template.read_bytes(), region="浙江省 杭州市"))
    upload(page, base, good)
    expect(page.locator("#import-progress")).to_be_visible()
    job_id = int(page.url.rsplit("/", 1)[1])
    threading.Thread(target=run_worker, args=(live_app, job_id)).start()
    expect(page.locator("#import-counts")).to_contain_text("2", timeout=20_000)
    expect(page.locator("#import-progress")).to_have_count(0)
    monkeypatch.setitem(live_app.config, "IMPORT_WORKER", "thread")
    page.click("#confirm-form button[type=submit]")
    expect(page.locator(".alert-success").first).to_be_visible(timeout=20_000)
    page.screenshot(path=str(artifacts / "import-done.png"), full_page=True)

    ops = browser.new_context(locale="zh-CN").new_page()
    log_in(ops, base, operator_email)
    ops.goto(f"{base}/review/")
    expect(ops.locator("body")).to_contain_text("钙钛矿叠层太阳电池封装工艺")
    expect(ops.locator("body")).to_contain_text("海上风电桩基冲刷监测方法")
