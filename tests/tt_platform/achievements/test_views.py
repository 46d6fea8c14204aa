"""The research-result pages: the form with its IP records, editing, and who may edit."""
from decimal import Decimal

import sqlalchemy as sa

from tests.factories import make_achievement, make_user
from tests.tt_platform.achievements.form_data import result_form
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement, IPRecord
from tt_platform.audit.models import AuditEntry
from tt_platform.listings.models import ListingStatus


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_result_with_ip_records(login, db):
    researcher = make_user(kind=OrgKind.UNIVERSITY)
    client = login(researcher)
    response = client.post("/results/new", data=result_form())
    assert response.status_code == 302
    result = db.session.scalar(sa.select(Achievement))
    assert result.status is ListingStatus.DRAFT and result.maturity == "M3"
    assert [(r.ip_type, r.number, r.status) for r in result.ip_records] == [
        ("invention_patent", "ZL202010123456.7", "granted")]
    response = client.post(f"/results/{result.id}/edit", data=result_form(**{
        "ip_records-0-number": "", "ip_records-0-ip_type": "", "ip_records-0-title": "",
        "ip_records-0-status": ""}))
    assert response.status_code == 302
    assert result.ip_records == []


def test_ip_record_needs_number(login, db):
    client = login(make_user(kind=OrgKind.INSTITUTE))
    response = client.post("/results/new", data=result_form(**{"ip_records-0-number": ""}))
    assert "专利和登记类知识产权须填写编号" in response.get_data(as_text=True)


def test_a_trade_secret_needs_no_number_but_every_record_needs_type_and_status(login, db):
    client = login(make_user(kind=OrgKind.UNIVERSITY))
    response = client.post("/results/new", data=result_form(**{
        "ip_records-0-ip_type": "", "ip_records-0-status": ""}))
    assert "每条知识产权记录都须填写类型和状态" in response.get_data(as_text=True)
    assert count(db, Achievement) == 0
    response = client.post("/results/new", data=result_form(**{
        "ip_records-0-ip_type": "trade_secret", "ip_records-0-number": "", "ip_records-0-status": "not_applicable"}))
    assert response.status_code == 302
    result = db.session.scalar(sa.select(Achievement))
    assert [(r.ip_type, r.number, r.status) for r in result.ip_records] == [("trade_secret", "", "not_applicable")]


def test_price_negotiable_or_a_price_is_required(login, db):
    client = login(make_user(kind=OrgKind.INSTITUTE))
    response = client.post("/results/new", data=result_form(asking_price=""))
    assert "请填写转让价格或勾选“面议”" in response.get_data(as_text=True)
    assert count(db, Achievement) == 0
    response = client.post("/results/new", data={**result_form(asking_price=""), "price_negotiable": "y",
                                                  "action": "submit"})
    assert response.status_code == 302
    result = db.session.scalar(sa.select(Achievement))
    assert result.asking_price is None and result.price_negotiable
    assert result.status is ListingStatus.PENDING  # "submit" sends it to review at once


def test_the_edit_form_shows_the_stored_values_and_two_empty_ip_rows(login, db):
    result = make_achievement(trl=8, keywords="覆冰,光纤传感", asking_price=Decimal("80"))
    result.ip_records = [IPRecord(ip_type="invention_patent", number=f"ZL2020101234{i}.7", status="granted")
                         for i in range(3)]
    db.session.flush()
    html = login(make_user(result.organisation)).get(f"/results/{result.id}/edit").get_data(as_text=True)
    assert 'selected value="8"' in html
    assert 'value="覆冰，光纤传感"' in html
    assert 'value="ZL20201012342.7"' in html
    assert 'name="ip_records-4-ip_type"' in html and 'name="ip_records-5-ip_type"' not in html


def test_another_organisation_cannot_edit_a_result(login, db):
    result = make_achievement(title="原成果标题")
    other = make_user(kind=OrgKind.UNIVERSITY)
    client = login(other)
    audit_before = count(db, AuditEntry)
    assert client.get(f"/results/{result.id}/edit").status_code == 403
    response = client.post(f"/results/{result.id}/edit", data=result_form(title="被他人改过的成果"))
    assert response.status_code == 403
    assert result.title == "原成果标题" and result.ip_records == []
    assert count(db, AuditEntry) == audit_before
