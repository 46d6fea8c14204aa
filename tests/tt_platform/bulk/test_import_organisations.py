"""Operators bring a park's or bureau's register of organisations in; nobody else may."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import make_operator, make_org, make_user
from tests.sheets import xlsx_of
from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, OrgKind, Verification
from tt_platform.audit.models import AuditEntry
from tt_platform.bulk import files, services


def org_row(n: int, **overrides) -> dict:
    row = {"机构名称": f"杭州示范新材料有限公司{n}", "机构类型": "企业",
           "统一社会信用代码": taxonomy.make_uscc(880000 + n),
           "地区": "浙江省 杭州市", "技术合同主体类型": "E1", "联系人": "陈经理", "联系电话": "0571-88880000",
           "联系邮箱": f"c{n}@example.cn"}
    row.update(overrides)
    return row


def run(data, actor, **options):
    table = files.read_table(data, "orgs.xlsx")
    kind = services.KINDS["organisations"]
    return services.run(kind, table, actor, services.check_target(actor, kind, None), services.Options(**options),
                        write=True)


def test_operators_record_organisations_pending_or_verified(app, db):
    operator = make_operator()
    report = run(xlsx_of([org_row(1), org_row(2, 机构类型="高等院校", 技术合同主体类型="P2")]), operator)
    assert report.written, report.to_json()
    created = db.session.scalars(sa.select(Organisation).where(Organisation.name.like("杭州示范新材料有限公司%"))
                                 .order_by(Organisation.id)).all()
    assert [(o.kind, o.verification) for o in created] == [(OrgKind.ENTERPRISE, Verification.PENDING),
                                                          (OrgKind.UNIVERSITY, Verification.PENDING)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.entity_type == "organisation", AuditEntry.action == "recorded")) == 2
    verified = run(xlsx_of([org_row(3)]), operator, publish=True)
    assert verified.written
    assert db.session.scalar(sa.select(Organisation).where(Organisation.name == "杭州示范新材料有限公司3")).is_verified


def test_bad_codes_duplicates_and_re_import(app, db):
    operator = make_operator()
    bad = run(xlsx_of([org_row(4, 统一社会信用代码="91330100000004242X"), org_row(5), org_row(5)]), operator)
    assert not bad.written and [r.number for r in bad.rows if r.errors] == [2, 4]
    assert bad.rows[0].errors[0][0] == "统一社会信用代码"
    assert run(xlsx_of([org_row(6)]), operator).written
    again = run(xlsx_of([org_row(6)]), operator)
    assert not again.written
    changed = run(xlsx_of([org_row(6, 联系人="新联系人")]), operator, update_existing=True)
    assert changed.written and changed.rows[0].action == "updated"
    assert run(xlsx_of([org_row(6, 联系人="新联系人")]), operator, update_existing=True).rows[0].action == "unchanged"


def test_only_operators_import_organisations(app, db, login):
    admin = make_user(make_org(), admin=True)
    with pytest.raises(services.ImportRefused):
        services.check_target(admin, services.KINDS["organisations"], None)
    assert login(admin).get("/imports/organisations/new").status_code == 403
    assert login(make_operator()).get("/imports/organisations/new").status_code == 200


def test_the_organisations_template_example_imports(app, db, tmp_path):
    out = tmp_path / "orgs.xlsx"
    assert app.test_cli_runner().invoke(args=["import", "template", "organisations", str(out)]).exit_code == 0
    report = run(out.read_bytes(), make_operator())
    assert report.written, report.to_json()
