"""bulk_insert writes exactly what Core's executemany writes, on SQLite and on PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import make_org
from tt_platform.achievements.models import Achievement
from tt_platform.database import bulk_insert, utcnow
from tt_platform.listings.models import ListingStatus


def _row(org, ref: str, now: dt.datetime) -> dict:
    # every kind of column the importer writes: enum, JSON, date, aware datetime, bool, NULL-able text
    return {"organisation_id": org.id, "title": "风机叶片覆冰监测", "summary": "摘要", "description": "正文 100%",
            "keywords": "覆冰,监测", "field_code": "T06", "region_code": "110100",
            "cooperation_modes": ["技术转让", "技术许可"], "status": ListingStatus.PUBLISHED,
            "valid_until": dt.date(2027, 3, 1), "contact_name": "张三", "contact_phone": "010-1",
            "published_at": now, "created_at": now, "updated_at": now, "price_negotiable": True, "team": "",
            "external_ref": ref, "source_note": None, "is_demo": False}


def test_bulk_insert_writes_what_core_writes(db):
    org = make_org()
    now = utcnow().replace(microsecond=123456)
    table = Achievement.__table__
    db.session.execute(table.insert(), [_row(org, "core-1", now)])
    bulk_insert(table, [_row(org, "bulk-1", now), _row(org, "bulk-2", now)])

    columns = [c for c in table.c if c.key not in ("id", "external_ref")]
    rows = {ref: values for ref, *values in db.session.execute(
        sa.select(table.c.external_ref, *columns).where(table.c.organisation_id == org.id)).all()}
    assert set(rows) == {"core-1", "bulk-1", "bulk-2"}
    assert rows["bulk-1"] == rows["core-1"] == rows["bulk-2"]
    # and through the ORM, with every type processor on the way back
    loaded = db.session.scalar(sa.select(Achievement).where(Achievement.external_ref == "bulk-2"))
    assert loaded.status is ListingStatus.PUBLISHED
    assert loaded.cooperation_modes == ["技术转让", "技术许可"]
    assert loaded.published_at == now and loaded.valid_until == dt.date(2027, 3, 1)
    assert loaded.price_negotiable is True and loaded.source_note is None


def test_bulk_insert_needs_every_column_it_writes(db):
    org = make_org()
    row = _row(org, "bulk-3", utcnow())
    del row["team"]  # a column with a default: not filled in silently
    with pytest.raises(KeyError):
        bulk_insert(Achievement.__table__, [_row(org, "bulk-4", utcnow()), row])


def test_bulk_insert_of_nothing_does_nothing(db):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Achievement))
    bulk_insert(Achievement.__table__, [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == before


def test_bulk_insert_processes_each_value_even_when_rows_share_objects(db):
    # the processed value of a column is reused only for the very same object
    org = make_org()
    now = utcnow().replace(microsecond=0)
    later = now + dt.timedelta(hours=5)
    shared_modes = ["技术转让"]
    rows = [_row(org, "share-1", now), _row(org, "share-2", now), _row(org, "share-3", later)]
    rows[0]["cooperation_modes"] = rows[1]["cooperation_modes"] = shared_modes
    rows[2]["status"], rows[2]["cooperation_modes"] = ListingStatus.DRAFT, ["合作开发"]
    bulk_insert(Achievement.__table__, rows)

    loaded = {a.external_ref: a for a in db.session.scalars(
        sa.select(Achievement).where(Achievement.organisation_id == org.id))}
    assert [loaded[f"share-{i}"].published_at for i in (1, 2, 3)] == [now, now, later]
    assert [loaded[f"share-{i}"].cooperation_modes for i in (1, 2, 3)] == [["技术转让"], ["技术转让"], ["合作开发"]]
    assert loaded["share-3"].status is ListingStatus.DRAFT and loaded["share-2"].status is ListingStatus.PUBLISHED
