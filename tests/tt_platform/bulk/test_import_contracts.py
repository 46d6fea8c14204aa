"""A registration desk migrates its past years: registered contracts in, statistics complete, numbers safe."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import make_operator, make_registrar
from tests.sheets import xlsx_of
from tt_platform.bulk import files, services
from tt_platform.contracts import services as contracts
from tt_platform.contracts.models import Contract, ContractStatus, RegistrationCounter
from tt_platform.database import china_today
from tt_platform.stats import services as stats

YEAR = china_today().year - 1


def contract_row(serial: int, **overrides) -> dict:
    row = {"登记号": f"{YEAR}330100{serial:06d}", "登记日期": f"{YEAR}-06-30",
           "合同名称": f"叶片覆冰监测技术转让合同{serial}", "合同类型": "技术转让 · 专利权转让",
           "技术领域": "新能源与高效节能", "知识产权类型": "发明专利", "支付方式": "一次总付",
           "签订日期": f"{YEAR}-05-20", "卖方名称": "华东示范大学", "卖方主体类型": "P2", "卖方地区": "上海市",
           "买方名称": "杭州示范能源科技有限公司", "买方主体类型": "E1", "买方地区": "浙江省 杭州市",
           "成交额（元）": "1200000", "技术交易额（元）": "1000000"}
    row.update(overrides)
    return row


def run(rows, actor, **options):
    kind = services.KINDS["contracts"]
    return services.run(kind, files.read_table(xlsx_of(rows), "c.xlsx"), actor,
                        services.check_target(actor, kind, None), services.Options(**options), write=True)


def test_registered_contracts_come_in_with_their_numbers_and_count_in_the_statistics(app, db):
    registrar = make_registrar()
    report = run([contract_row(5), contract_row(9, **{"技术交易额（元）": "1200000"})], registrar)
    assert report.written, report.to_json()
    rows = db.session.scalars(sa.select(Contract).where(Contract.registration_number.like(f"{YEAR}330100%"))
                              .order_by(Contract.registration_number)).all()
    assert [c.status for c in rows] == [ContractStatus.REGISTERED] * 2
    assert (rows[0].total_fen, rows[0].tech_fen, rows[0].subtype_code) == (120_000_000, 100_000_000, "TRF-01")
    assert rows[1].tech_fen == rows[1].total_fen == 120_000_000
    counter = db.session.get(RegistrationCounter, (registrar.memberships[0].organisation_id, YEAR))
    assert counter.last_serial == 9  # new registrations of that year continue after the imported ones
    table = stats.TABLES["by_type"](stats.StatsFilter(start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31)))
    assert table.totals.count >= 2 and table.totals.tech_fen >= 220_000_000


@pytest.mark.parametrize(("overrides", "column"), [
    ({"登记号": f"{YEAR}110100000001"}, "行"),  # another office's region: the service's rule
    ({"登记号": "12345"}, "登记号"),  # the form's shape
    ({"登记日期": f"{YEAR}-05-01"}, "行"),  # registered before it was signed
    ({"技术交易额（元）": "1300000"}, "技术交易额（元）"),
    ({"卖方主体类型": "E"}, "卖方主体类型"),  # a group code, not a party type
])
def test_bad_rows_are_named_and_nothing_is_written(app, db, overrides, column):
    registrar = make_registrar()
    report = run([contract_row(1), contract_row(2, **overrides)], registrar)
    assert not report.written
    bad = [r for r in report.rows if r.errors]
    assert [r.number for r in bad] == [3]
    assert bad[0].errors[0][0] in (column, "Row")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Contract)
                             .where(Contract.registration_number.like(f"{YEAR}330100%"))) == 0


def test_numbers_taken_and_re_import(app, db):
    registrar = make_registrar()
    assert run([contract_row(3)], registrar).written
    assert not run([contract_row(3)], registrar).written
    assert run([contract_row(3)], registrar, update_existing=True).rows[0].action == "unchanged"
    existing = db.session.scalar(sa.select(Contract).where(Contract.registration_number == f"{YEAR}330100000003"))
    with pytest.raises(contracts.ContractError):  # the service refuses a taken number on its own too
        contracts.record_registered(registrar, contracts.data_of(existing), number=existing.registration_number,
                                    registered_on=existing.registered_on)


def test_only_registrars_import_contracts(app, db):
    operator = make_operator()
    for membership in operator.memberships:
        membership.is_registrar = False
    with pytest.raises(services.ImportRefused):
        services.check_target(operator, services.KINDS["contracts"], None)
    assert services.check_target(make_registrar(), services.KINDS["contracts"], None) is None


def test_the_contracts_template_example_imports(app, db, tmp_path):
    out = tmp_path / "contracts.xlsx"
    assert app.test_cli_runner().invoke(args=["import", "template", "contracts", str(out)]).exit_code == 0
    kind = services.KINDS["contracts"]
    registrar = make_registrar()
    report = services.run(kind, files.read_table(out.read_bytes(), "contracts.xlsx"), registrar, None,
                          services.Options(), write=True)
    assert report.written, report.to_json()
