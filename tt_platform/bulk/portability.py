"""Data portability: everything an organisation owns on the platform, as JSONL files in one zip.

An organisation admin takes out the organisation's record, its members, its results (with IP records),
its demands and the technology contracts it is a party to. Every column of each row is written (money
as decimal strings, dates as ISO strings, enums by value), so the files can be read back by any tool;
password hashes and tokens are never included.
"""
from __future__ import annotations

import datetime as dt
import enum
import io
import json
import zipfile
from decimal import Decimal

import sqlalchemy as sa

from tt_platform.accounts import services as accounts
from tt_platform.accounts.models import Membership, Organisation, User
from tt_platform.achievements.models import Achievement
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


def export_zip(admin: User, organisation: Organisation) -> bytes:
    """The organisation's data (NotAllowed unless `admin` administers it)."""
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
        archive.writestr("README.txt", f"{organisation.name} · exported {utcnow().isoformat()}\n"
                         "organisation.json, members.jsonl, results.jsonl (with ip_records), demands.jsonl, "
                         "contracts.jsonl (with items); one JSON object per line, UTF-8; money as decimal "
                         "strings (万元 for listings, fen for contract amounts), times in UTC.\n")
    return out.getvalue()
