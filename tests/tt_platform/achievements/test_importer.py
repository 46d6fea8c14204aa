"""The CSL JSONL importer on a small real file.

tests/data/csl_sample.jsonl is five records copied unchanged from tt_platform/demo/data/csl_2k.jsonl
(CSL, Apache-2.0; see CSL-ATTRIBUTION.md there), chosen for five different disciplines and one
abstract longer than a summary.
"""
import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.factories import make_org
from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, OrgKind, Verification
from tt_platform.achievements import importer
from tt_platform.achievements.indexing import achievement_document
from tt_platform.achievements.models import Achievement
from tt_platform.audit.models import AuditEntry
from tt_platform.database import china_today
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings.models import ListingStatus

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "csl_sample.jsonl"
RECORDS = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
#: The field each sample discipline maps to in taxonomy/mappings/csl_discipline_fields.csv.
FIELDS = {"csl-dev-0000": "T02", "csl-dev-0102": "T01", "csl-dev-0228": "T06", "csl-dev-0838": "T05",
          "csl-test-0536": "T09"}
HOLDER = "成果导入测试库"


class Documents(list):
    """on_documents: keeps every batch it is handed."""

    def __call__(self, batch):
        self.append(list(batch))


def run(path=SAMPLE, org_name=HOLDER):
    batches = Documents()
    report = importer.import_jsonl(str(path), org_name=org_name, on_documents=batches)
    return report, batches


def imported(db) -> dict[str, Achievement]:
    return {a.external_ref: a for a in db.session.scalars(sa.select(Achievement).where(
        Achievement.external_ref.in_([r["id"] for r in RECORDS])))}


def count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_every_record_becomes_a_published_result(db):
    assert len(RECORDS) == 5
    report, batches = run()
    assert (report.created, report.skipped, report.shortened) == (5, 0, {})
    rows = imported(db)
    assert set(rows) == set(FIELDS)
    for record in RECORDS:
        row = rows[record["id"]]
        assert row.title == record["title"] and row.description == record["abstract"]
        assert row.keyword_list == record["keywords"]
        assert row.field_code == FIELDS[record["id"]]
        assert 0 < len(row.summary) <= 150 and record["abstract"].startswith(row.summary.removesuffix("…"))
        assert row.status is ListingStatus.PUBLISHED and row.published_at is not None
        assert row.effective_status is ListingStatus.PUBLISHED
        assert row.valid_until == china_today() + dt.timedelta(days=730)
        assert row.price_negotiable and row.asking_price is None and row.cooperation_modes == []
        assert row.source_note == "imported from csl_sample.jsonl" and not row.is_demo
    long_one = rows["csl-dev-0000"]
    assert len(long_one.description) > 150 and len(long_one.summary) < len(long_one.description)


def test_the_holder_is_created_once_as_a_verified_institute(db):
    run()
    holder = db.session.scalar(sa.select(Organisation).where(Organisation.name == HOLDER))
    assert holder.kind is OrgKind.INSTITUTE and holder.verification is Verification.VERIFIED
    assert taxonomy.is_valid_uscc(holder.credit_code)
    assert {row.organisation_id for row in imported(db).values()} == {holder.id}
    audit = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "organisation",
                                                           AuditEntry.entity_id == holder.id)).all()
    assert [(a.action, a.note) for a in audit] == [("imported", "5 results from csl_sample.jsonl")]


def test_an_existing_organisation_of_that_name_holds_the_results(db):
    org = make_org(OrgKind.UNIVERSITY, name="某大学成果库")
    run(org_name="某大学成果库")
    assert count(db, Organisation, Organisation.name == "某大学成果库") == 1
    assert {row.organisation_id for row in imported(db).values()} == {org.id}


def test_documents_and_outbox_rows_match_what_was_written(db):
    report, batches = run()
    rows = imported(db)
    assert len(batches) == 1  # one chunk for five rows
    documents = {d.doc_id: d for d in batches[0]}
    assert set(documents) == {f"achievement:{row.id}" for row in rows.values()}
    for row in rows.values():
        # built from the written values without reloading: the same as the drain builds from the ORM row
        assert documents[f"achievement:{row.id}"].version == achievement_document(row).version
    outbox = db.session.execute(sa.select(SearchOutbox.id, SearchOutbox.entity_id).where(
        SearchOutbox.entity_type == "achievement", SearchOutbox.op == "upsert")).all()
    by_entity = {entity_id: outbox_id for outbox_id, entity_id in outbox}
    assert sorted(report.outbox_ids) == sorted(by_entity[row.id] for row in rows.values())


def test_importing_again_skips_what_is_there(db):
    run()
    before = (count(db, Achievement), count(db, AuditEntry), count(db, SearchOutbox))
    report, batches = run()
    assert (report.created, report.skipped, report.outbox_ids) == (0, 5, [])
    assert batches == []
    assert (count(db, Achievement), count(db, AuditEntry), count(db, SearchOutbox)) == before
    assert count(db, Organisation, Organisation.name == HOLDER) == 1


def test_rows_are_written_and_handed_on_chunk_by_chunk(db, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK", 2)
    report, batches = run()
    assert [len(b) for b in batches] == [2, 2, 1]
    ids = [int(d.doc_id.split(":")[1]) for batch in batches for d in batch]
    refs = {row.id: ref for ref, row in imported(db).items()}
    assert [refs[i] for i in ids] == [r["id"] for r in RECORDS]  # file order, across chunks
    assert len(report.outbox_ids) == 5


def test_unknown_disciplines_and_keyword_strings(db, tmp_path):
    source = tmp_path / "odd.jsonl"
    source.write_text(
        json.dumps({"id": "odd-1", "title": "无学科记录", "abstract": "摘要。", "keywords": "覆冰，结冰、除冰"},
                   ensure_ascii=False) + "\n\n"
        + json.dumps({"id": "odd-2", "title": "未知学科", "abstract": "摘要。", "discipline": "不存在的学科"},
                     ensure_ascii=False) + "\n", encoding="utf-8")
    report, _batches = run(source)
    assert report.created == 2
    rows = {a.external_ref: a for a in db.session.scalars(
        sa.select(Achievement).where(Achievement.external_ref.in_(["odd-1", "odd-2"])))}
    assert rows["odd-1"].field_code == rows["odd-2"].field_code == "T11"
    assert rows["odd-1"].keyword_list == ["覆冰", "结冰", "除冰"] and rows["odd-2"].keyword_list == []


@pytest.mark.parametrize(("second_line", "message"), [
    ('{"id": "bad-2", "title": "缺摘要"}', "line 2: missing abstract"),
    ('{"id": "", "title": "", "abstract": "x"}', "line 2: missing id, title"),
    ("{not json}", "line 2: not valid JSON"),
    ('["a", "list"]', "line 2: expected a JSON object"),
    ('{"id": "' + "x" * 65 + '", "title": "t", "abstract": "a"}', "line 2: id longer than 64 characters"),
    ('{"id": "big", "title": "t", "abstract": "' + "长" * importer.MAX_LINE + '"}',
     f"line 2: longer than {importer.MAX_LINE} characters"),
])
def test_a_bad_line_refuses_the_whole_file(db, tmp_path, second_line, message):
    source = tmp_path / "bad.jsonl"
    source.write_text(SAMPLE.read_text(encoding="utf-8").splitlines()[0] + "\n" + second_line + "\n",
                      encoding="utf-8")
    before = (count(db, Achievement), count(db, Organisation), count(db, AuditEntry), count(db, SearchOutbox))
    with pytest.raises(importer.ImportFailed, match=message):
        run(source)
    assert (count(db, Achievement), count(db, Organisation), count(db, AuditEntry), count(db, SearchOutbox)) \
        == before


def test_blank_lines_keep_the_line_numbers_right(db, tmp_path):
    source = tmp_path / "gaps.jsonl"
    source.write_text('{"id": "g-1", "title": "t", "abstract": "a"}\n\n   \n{"id": "g-4", "abstract": "a"}\n',
                      encoding="utf-8")
    with pytest.raises(importer.ImportFailed, match="line 4: missing title"):
        run(source)
