"""Hostile cells in an import file: never an unexpected exception, and a file with any error writes nothing."""
from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_operator, make_org, make_registrar, make_user
from tests.fuzzing import FUZZ, count
from tests.tt_platform.bulk.test_import import demand_row, result_row
from tests.tt_platform.bulk.test_import_contracts import contract_row
from tests.tt_platform.bulk.test_import_organisations import org_row
from tt_platform.accounts.models import Organisation, OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.bulk import files, services
from tt_platform.contracts.models import Contract
from tt_platform.demands.models import Demand

#: what people and attackers put in cells (issue 21): blanks, floods, markup, templates, SQL, bad dates and
#: numbers, control and direction characters
HOSTILE = st.one_of(
    st.sampled_from(["", "   ", "长" * 10_000, "\x00", "\u202e反向文字", "<script>alert(1)</script>", "{{ 7*7 }}",
                     "' OR 1=1--", "2026-02-30", "-1", "1e309", "9999999999999", "NaN", "=cmd|' /C calc'!A0",
                     "是", "否", "T99", "330100", "技术转让、不存在"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))


def as_jsonl(rows) -> bytes:
    """JSONL keeps every character (NUL, direction marks) that CSV or XLSX might alter on the way."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(list(result_row(1))), HOSTILE, min_size=1, max_size=6))
def test_hostile_result_cells(db, changes):
    org = make_org(OrgKind.UNIVERSITY)
    admin = make_user(org, admin=True)
    before = count(db, Achievement)
    table = files.read_table(as_jsonl([result_row(1, **changes), result_row(2)]), "r.jsonl")
    report = services.run(services.KINDS["results"], table, admin, org, services.Options(), write=True)
    assert report.written != report.has_errors
    assert count(db, Achievement) == before + (2 if report.written else 0)
    for row in report.rows:
        assert all(isinstance(column, str) and message for column, message in row.errors)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(list(demand_row(1))), HOSTILE, min_size=1, max_size=6))
def test_hostile_demand_cells(db, changes):
    org = make_org()
    admin = make_user(org, admin=True)
    before = count(db, Demand)
    table = files.read_table(as_jsonl([demand_row(1, **changes)]), "d.jsonl")
    report = services.run(services.KINDS["demands"], table, admin, org, services.Options(), write=True)
    assert report.written != report.has_errors
    assert count(db, Demand) == before + (1 if report.written else 0)


_serial = itertools.count(100)  # each example its own credit codes and registration numbers


def run_as(actor, kind_name: str, rows: list[dict]):
    kind = services.KINDS[kind_name]
    table = files.read_table(as_jsonl(rows), f"{kind_name}.jsonl")
    return services.run(kind, table, actor, services.check_target(actor, kind, None), services.Options(),
                        write=True)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(list(org_row(1))), HOSTILE, min_size=1, max_size=5))
def test_hostile_organisation_cells(db, changes):
    n = next(_serial)
    before = count(db, Organisation)
    report = run_as(make_operator(), "organisations", [org_row(n, **changes), org_row(n + 50_000)])
    assert report.written != report.has_errors
    # the operator's own organisation is made by the factory before `before` is counted
    assert count(db, Organisation) == before + 1 + (2 if report.written else 0)
    for row in report.rows:
        assert all(isinstance(column, str) and message for column, message in row.errors)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(list(contract_row(1))), HOSTILE, min_size=1, max_size=5))
def test_hostile_contract_cells(db, changes):
    n = next(_serial)
    registrar = make_registrar()
    before = count(db, Contract)
    report = run_as(registrar, "contracts", [contract_row(n, **changes), contract_row(n + 50_000)])
    assert report.written != report.has_errors
    assert count(db, Contract) == before + (2 if report.written else 0)


@pytest.mark.parametrize("column", ["标题* Title", "知识产权1号 IP 1 number"])
def test_a_nul_in_a_cell_is_a_row_error_and_nothing_is_written(db, column):
    """Found on PostgreSQL (text cannot hold NUL): the row's form refuses it (sub-forms too), nothing is written."""
    org = make_org(OrgKind.UNIVERSITY)
    before = count(db, Achievement)
    table = files.read_table(as_jsonl([result_row(1, **{column: "储能\x00电池"}), result_row(2)]), "r.jsonl")
    report = services.run(services.KINDS["results"], table, make_user(org, admin=True), org, services.Options(),
                          write=True)
    assert report.has_errors and not report.written
    assert count(db, Achievement) == before
    assert any("NUL" in str(message) for row in report.rows for _column, message in row.errors)


def test_a_nul_in_the_external_reference_is_a_row_error_too(db):
    org = make_org(OrgKind.UNIVERSITY)
    table = files.read_table(as_jsonl([result_row(1, **{"外部编号 External reference": "TTO\x00-1"})]), "r.jsonl")
    report = services.run(services.KINDS["results"], table, make_user(org, admin=True), org, services.Options(),
                          write=True)
    assert report.has_errors and not report.written
    assert [column for row in report.rows for column, _message in row.errors] == ["外部编号 External reference"]
