"""Data portability: everything an organisation owns on the platform, as JSONL files in one zip.

An organisation admin takes out the organisation's record, its members, its results (with IP records),
its demands, the technology contracts it is a party to, its 揭榜挂帅 applications, and the files it
uploaded: documents its members added to matchmaking cases and its applications' attachments, under
attachments/ with attachments.jsonl listing each (a file missing on disk is listed as missing). Every
column of each row is written (money as decimal strings, dates as ISO strings, enums by value), so the
files can be read back by any tool; password hashes and tokens are never included.
"""
from __future__ import annotations

import datetime as dt
import enum
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import Membership, Organisation, User
from tt_platform.achievements.models import Achievement
from tt_platform.brokerage.models import Document as CaseDocument
from tt_platform.challenges.models import Application as ChallengeApplication
from tt_platform.challenges.models import Attachment as ChallengeAttachment
from tt_platform.contracts.models import Contract
from tt_platform.database import db, utcnow
from tt_platform.demands.models import Demand

#: columns that are secrets, never exported
_SECRET = {"password_hash", "session_token", "token_hash"}


def _value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def row_dict(obj) -> dict:
    """Every column of a mapped row, JSON-ready, secrets left out."""
    return {c.key: _value(getattr(obj, c.key)) for c in sa.inspect(obj).mapper.column_attrs if c.key not in _SECRET}


def _jsonl(rows) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def _attachments(organisation: Organisation) -> list[tuple[str, object]]:
    """("case_document" | "challenge_attachment", row) for every file the organisation uploaded."""
    members = sa.select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    documents = db.session.scalars(sa.select(CaseDocument).where(CaseDocument.uploaded_by_id.in_(members))
                                   .order_by(CaseDocument.id)).all()
    attached = db.session.scalars(sa.select(ChallengeAttachment).join(
        ChallengeApplication, ChallengeApplication.id == ChallengeAttachment.application_id)
        .where(ChallengeApplication.organisation_id == organisation.id).order_by(ChallengeAttachment.id)).all()
    return [("case_document", d) for d in documents] + [("challenge_attachment", a) for a in attached]


def export_zip(admin: User, organisation: Organisation, upload_dir: Path) -> bytes:
    """The organisation's data (NotAllowed unless `admin` administers it); files are read from `upload_dir`."""
    accounts.require_org_admin(admin, organisation)
    members = db.session.scalars(sa.select(Membership).where(Membership.organisation_id == organisation.id)).all()
    results = db.session.scalars(sa.select(Achievement).where(Achievement.organisation_id == organisation.id)
                                 .order_by(Achievement.id)).all()
    demands = db.session.scalars(sa.select(Demand).where(Demand.organisation_id == organisation.id)
                                 .order_by(Demand.id)).all()
    party = sa.or_(Contract.seller_org_id == organisation.id, Contract.buyer_org_id == organisation.id)
    contracts = db.session.scalars(sa.select(Contract).where(party).order_by(Contract.id)).all()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("organisation.json", json.dumps(row_dict(organisation), ensure_ascii=False, indent=2))
        archive.writestr("members.jsonl", _jsonl(
            row_dict(m) | {"user": {k: v for k, v in row_dict(m.user).items() if k in ("id", "name", "email", "phone")}}
            for m in members))
        archive.writestr("results.jsonl", _jsonl(
            row_dict(r) | {"ip_records": [row_dict(ip) for ip in r.ip_records]} for r in results))
        archive.writestr("demands.jsonl", _jsonl(row_dict(d) for d in demands))
        archive.writestr("contracts.jsonl", _jsonl(
            row_dict(c) | {"items": [row_dict(i) for i in c.items]} for c in contracts))
        applications = db.session.scalars(sa.select(ChallengeApplication).where(
            ChallengeApplication.organisation_id == organisation.id).order_by(ChallengeApplication.id)).all()
        archive.writestr("challenge_applications.jsonl", _jsonl(row_dict(a) for a in applications))
        listed = []
        for kind, row in _attachments(organisation):
            entry = row_dict(row) | {"kind": kind}
            path = upload_dir / row.stored_name
            if path.is_file():
                # the stored name is ours and unique; the user's file name follows it, made safe for a zip path
                entry["path"] = f"attachments/{kind}/{row.stored_name}-{Path(row.filename).name or 'file'}"
                archive.write(path, entry["path"])
            else:
                entry["missing"] = True
            listed.append(entry)
        archive.writestr("attachments.jsonl", _jsonl(listed))
        archive.writestr("README.txt", f"{organisation.name} · exported {utcnow().isoformat()}\n"
                         "organisation.json, members.jsonl, results.jsonl (with ip_records), demands.jsonl, "
                         "contracts.jsonl (with items), challenge_applications.jsonl, attachments.jsonl (the "
                         "files are under attachments/); one JSON object per line, UTF-8; money as decimal "
                         "strings (万元 for listings, fen for contract amounts), times in UTC.\n")
    return out.getvalue()
