"""`flask import achievements` (the CSL record format): bad files, an engine that is down, shortened fields."""
import json

import sqlalchemy as sa

from search.backends.base import BackendUnavailable
from tt_platform.achievements.models import Achievement
from tt_platform.indexing import outbox, sync


def test_import_refuses_bad_files_and_writes_nothing(app, db, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok-1", "title": "t", "abstract": "a"}\n{not json}\n', encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "achievements", str(bad)])
    assert result.exit_code != 0
    assert "line 2" in result.output
    assert db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "ok-1")) is None


def test_import_with_the_engine_down_keeps_outbox_rows(app, db, index, tmp_path, monkeypatch):
    def down():
        raise BackendUnavailable("engine stopped")

    monkeypatch.setattr(sync, "get_backend", down)
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": "down-1", "title": "叶片覆冰", "abstract": "覆冰监测。"}, ensure_ascii=False),
                      encoding="utf-8")
    before = outbox.pending_count()
    result = app.test_cli_runner().invoke(args=["import", "achievements", str(source)])
    assert result.exit_code == 0 and "NOT indexed" in result.output
    assert outbox.pending_count() == before + 1  # the next drain indexes it
    monkeypatch.undo()
    sync.drain()
    imported_id = db.session.scalar(sa.select(Achievement.id).where(Achievement.external_ref == "down-1"))
    assert index.get(f"achievement:{imported_id}") is not None


def test_import_reports_what_it_shortens(app, db, tmp_path):
    records = [
        {"id": "long-1", "title": "长" * 250, "abstract": "摘要。", "keywords": ["词"] * 15},
        {"id": "long-2", "title": "正常标题", "abstract": "摘要。", "keywords": ["k" * 60, "覆冰"]},
        {"id": "long-3", "title": "字符串关键词", "abstract": "摘要。", "keywords": "覆冰，结冰、除冰"},
    ]
    source = tmp_path / "records.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "achievements", str(source)])
    assert result.exit_code == 0, result.output
    assert "1 × title shortened to 200 characters (line 1)" in result.output
    assert "1 × keywords beyond the first 12 dropped (line 1)" in result.output
    assert "1 × keyword shortened to 40 characters (line 2)" in result.output
    rows = {a.external_ref: a for a in db.session.scalars(
        sa.select(Achievement).where(Achievement.external_ref.in_(["long-1", "long-2", "long-3"])))}
    assert len(rows["long-1"].title) == 200 and len(rows["long-1"].keyword_list) == 12
    assert rows["long-2"].keyword_list == ["k" * 40, "覆冰"]
    assert rows["long-3"].keyword_list == ["覆冰", "结冰", "除冰"]  # a string is read as a list
