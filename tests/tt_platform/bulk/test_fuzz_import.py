"""Hostile cells in an import file: never an unexpected exception, and a file with any error writes nothing."""
from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_org, make_user
from tests.fuzzing import FUZZ, count
from tests.tt_platform.bulk.test_import import demand_row, result_row
from tt_platform.accounts.models import OrgKind
from tt_platform.achievements.models import Achievement
from tt_platform.bulk import files, services
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
