"""Bulk import of research results from JSONL (the CSL record format), validated before anything is written."""
from __future__ import annotations

import datetime as dt
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import orjson
import sqlalchemy as sa

from search.documents import Listing
from tt_platform import taxonomy
from tt_platform.accounts.models import Organisation, OrgKind, Verification
from tt_platform.achievements.indexing import achievement_document
from tt_platform.achievements.models import Achievement
from tt_platform.audit import models as audit
from tt_platform.database import bulk_insert, china_today, db, utcnow
from tt_platform.indexing.outbox import SearchOutbox
from tt_platform.listings.models import ListingMixin, ListingStatus
from tt_platform.listings.summary import summary_of

MAX_LINE = 200_000
_KEYWORD_SEPARATORS = re.compile(r"[,，、;；]")
#: Column limits; longer values are shortened and the report names the lines.
MAX_TITLE, MAX_KEYWORD, MAX_KEYWORDS = 200, 40, 12
#: Rows written per statement batch; each batch's documents are handed on before the next is written.
CHUNK = 10_000
REQUIRED = ("id", "title", "abstract")


class _WrittenRow(SimpleNamespace):
    """A row just inserted, read through the same listing properties the document mapping uses."""

    keyword_list = ListingMixin.keyword_list
    effective_status = ListingMixin.effective_status


class ImportFailed(Exception):
    """The file cannot be imported; nothing was written (the message names the line)."""


@dataclass
class ImportReport:
    created: int = 0
    skipped: int = 0
    outbox_ids: list[int] = field(default_factory=list)
    #: what was shortened to fit → file line numbers
    shortened: dict[str, list[int]] = field(default_factory=dict)

    def note(self, what: str, line: int) -> None:
        self.shortened.setdefault(what, []).append(line)

    def shortened_summary(self, shown: int = 10) -> list[str]:
        out = []
        for what, lines in self.shortened.items():
            more = f", … ({len(lines) - shown} more)" if len(lines) > shown else ""
            out.append(f"{len(lines)} × {what} (line {', '.join(map(str, lines[:shown]))}{more})")
        return out


def _parse(path: str) -> list[tuple[int, dict]]:
    records = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            if len(line) > MAX_LINE:
                raise ImportFailed(f"line {number}: longer than {MAX_LINE} characters")
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise ImportFailed(f"line {number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise ImportFailed(f"line {number}: expected a JSON object")
            missing = [k for k in REQUIRED if not str(record.get(k) or "").strip()]
            if missing:
                raise ImportFailed(f"line {number}: missing {', '.join(missing)}")
            if len(str(record["id"])) > 64:
                raise ImportFailed(f"line {number}: id longer than 64 characters")
            records.append((number, record))
    return records


def _holder(org_name: str) -> Organisation:
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == org_name))
    if org is None:
        org = Organisation(
            # a syntactically valid placeholder code, distinct per holder name
            name=org_name, kind=OrgKind.INSTITUTE, credit_code=taxonomy.make_uscc(
                990_000_000 + zlib.crc32(org_name.encode()) % 9_999_999, "110108", "12"),
            region_code="110100", party_type="P1", contact_name="成果导入", contact_phone="-",
            contact_email="import@tt-platform.local", verification=Verification.VERIFIED, verified_at=utcnow(),
        )
        db.session.add(org)
        db.session.flush()  # id for the listings
    return org


def import_jsonl(path: str, *, org_name: str, on_documents: Callable[[list[Listing]], None]) -> ImportReport:
    """Create one published result per record not imported before (matched on `id`).

    The rows are written in chunks; each chunk's search documents (built from the written rows, without
    reloading them) go to `on_documents` at once, so indexing can overlap the writing of the next one."""
    records = _parse(path)
    fields = taxonomy.csl_discipline_fields()
    seen = set(db.session.scalars(sa.select(Achievement.external_ref).where(Achievement.external_ref.isnot(None))))
    org = _holder(org_name)
    now = utcnow()
    valid_until = china_today() + dt.timedelta(days=730)
    source_note = f"imported from {Path(path).name}"
    rows = []
    report = ImportReport()
    for number, record in records:
        ref = str(record["id"])
        if ref in seen:
            report.skipped += 1
            continue
        seen.add(ref)
        title, keywords = _fitted(number, str(record["title"]), record.get("keywords") or [], report)
        abstract = str(record["abstract"])
        rows.append({
            "organisation_id": org.id, "title": title, "summary": summary_of(abstract),
            "description": abstract, "keywords": ",".join(keywords),
            "field_code": fields.get(str(record.get("discipline") or ""), "T11"), "region_code": org.region_code,
            "cooperation_modes": [], "status": ListingStatus.PUBLISHED, "valid_until": valid_until,
            "contact_name": org.contact_name, "contact_phone": org.contact_phone, "published_at": now,
            "created_at": now, "updated_at": now, "price_negotiable": True, "team": "", "external_ref": ref,
            "source_note": source_note, "is_demo": False,
        })
    for start in range(0, len(rows), CHUNK):
        ids, outbox_ids = _write(rows[start:start + CHUNK], org, now)
        report.outbox_ids.extend(outbox_ids)
        on_documents(_documents(rows[start:start + CHUNK], ids, org))
    report.created = len(rows)
    if rows:
        audit.record(None, "organisation", org.id, "imported", note=f"{len(rows)} results from {Path(path).name}")
    return report


def _fitted(number: int, title: str, keywords, report: ImportReport) -> tuple[str, list[str]]:
    """Title and keywords shortened to the columns' limits; every shortening is noted in the report."""
    if len(title) > MAX_TITLE:
        report.note(f"title shortened to {MAX_TITLE} characters", number)
        title = title[:MAX_TITLE]
    if isinstance(keywords, str):
        keywords = [k for k in _KEYWORD_SEPARATORS.split(keywords) if k.strip()]
    elif not isinstance(keywords, list):
        keywords = [keywords]
    if len(keywords) > MAX_KEYWORDS:
        report.note(f"keywords beyond the first {MAX_KEYWORDS} dropped", number)
        keywords = keywords[:MAX_KEYWORDS]
    fitted = []
    for keyword in keywords:
        keyword = str(keyword).replace(",", " ")  # the column is comma-separated
        if len(keyword) > MAX_KEYWORD:
            report.note(f"keyword shortened to {MAX_KEYWORD} characters", number)
            keyword = keyword[:MAX_KEYWORD]
        fitted.append(keyword)
    return title, fitted


def _write(rows: list[dict], org: Organisation, now) -> tuple[list[int], list[int]]:
    """Insert result rows and their outbox rows; return both tables' new ids, in the order of `rows`."""
    # The driver's executemany (one C-level loop) instead of INSERT … RETURNING, which SQLite can only
    # run row by row when the order of the ids matters; the ids are read back in one query instead
    # (external_ref is unique, and every new row has an id above the old maximum).
    table, outbox = Achievement.__table__, SearchOutbox.__table__
    last_result = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0)))
    last_outbox = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(outbox.c.id), 0)))
    bulk_insert(table, rows)
    id_of = dict(db.session.execute(sa.select(table.c.external_ref, table.c.id).where(
        table.c.id > last_result, table.c.organisation_id == org.id, table.c.external_ref.isnot(None))).all())
    ids = [id_of[row["external_ref"]] for row in rows]
    bulk_insert(outbox, [{"entity_type": "achievement", "entity_id": i, "op": "upsert", "created_at": now}
                         for i in ids])
    created = set(ids)
    outbox_ids = [outbox_id for outbox_id, entity_id in db.session.execute(
        sa.select(outbox.c.id, outbox.c.entity_id).where(
            outbox.c.id > last_outbox, outbox.c.entity_type == "achievement", outbox.c.op == "upsert"))
        if entity_id in created]
    return ids, outbox_ids


def _documents(rows: list[dict], ids: list[int], org: Organisation) -> list[Listing]:
    # The same mapping the drain uses, applied to light views of the rows just written: indexing needs
    # no second trip through the database, and no ORM instances (~0.1 ms each).
    unset = {column.key: None for column in Achievement.__table__.columns}
    return [achievement_document(_WrittenRow(**{**unset, **row, "id": i}, organisation=org, ip_records=[]))
            for i, row in zip(ids, rows, strict=True)]
