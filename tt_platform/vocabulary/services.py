"""Operators edit the related-term table; search and matching read its newest version (or the shipped default).

The table is read from the database once per request or CLI command (kept on `flask.g`), and parsed
once per version per process. Services flush, never commit."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import gettext as _

from search import analysis
from search.analysis import SynonymTable
from tt_platform.accounts.models import User
from tt_platform.audit import models as audit
from tt_platform.database import db
from tt_platform.security import NotAllowed
from tt_platform.vocabulary.models import TermTableVersion

MAX_GROUPS = 10_000  # Elasticsearch caps a synonyms set at 10,000 rules
MAX_TERM = 30
_SPLIT = re.compile(r"[,，、;；]")


class TermTableError(Exception):
    pass


def parse(text: str) -> list[list[str]]:
    """Lines of comma-separated terms → groups; raises TermTableError naming the first bad line."""
    groups = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        terms = [t.strip() for t in _SPLIT.split(line) if t.strip()]
        if len(terms) < 2:
            raise TermTableError(_("Line %(n)d: a group needs at least two terms.", n=number))
        if any(len(t) > MAX_TERM for t in terms):
            raise TermTableError(_("Line %(n)d: terms are at most %(max)d characters.", n=number, max=MAX_TERM))
        groups.append(terms)
    if not groups:
        raise TermTableError(_("The table is empty."))
    if len(groups) > MAX_GROUPS:
        raise TermTableError(_("At most %(n)d groups.", n=MAX_GROUPS))
    return groups


def latest() -> TermTableVersion | None:
    return db.session.scalar(sa.select(TermTableVersion).order_by(TermTableVersion.version.desc()).limit(1))


def default_text() -> str:
    return (analysis.DATA / "synonyms.csv").read_text(encoding="utf-8")


def save(user: User, text: str, note: str = "") -> TermTableVersion:
    """Store a new version (operators only); the caller commits."""
    if not user.is_operator:
        raise NotAllowed(_("Only operators edit the related-term table."))
    groups = parse(text)
    current = latest()
    version = TermTableVersion(version=(current.version + 1) if current else 1, text=text.strip() + "\n",
                               groups=len(groups), note=(note or "").strip()[:300], created_by_id=user.id)
    db.session.add(version)
    db.session.flush()  # id for the audit row
    g.pop("tt_term_table", None)  # later reads in this request see the new version
    audit.record(user, "term_table", version.id, "saved", note=f"v{version.version}: {len(groups)} groups")
    return version


def current_table() -> SynonymTable:
    """The table matching uses: the newest saved version, else the shipped default."""
    if "tt_term_table" in g:
        return g.tt_term_table
    row = latest()
    if row is None:
        table = analysis.default_synonyms()
    else:
        cache = current_app.extensions.setdefault("tt_term_tables", {})
        if row.version not in cache:
            parsed = SynonymTable.from_rows(parse(row.text), version=f"v{row.version}")
            analysis.teach(t for group in parsed.groups for t in group)
            cache.clear()
            cache[row.version] = parsed
        table = cache[row.version]
    g.tt_term_table = table
    return table


def search_table() -> SynonymTable | None:
    """The table queries are expanded with, or None where the installation turned expansion off."""
    return current_table() if current_app.config["SEARCH_SYNONYMS"] else None


def versions(limit: int = 100) -> list[TermTableVersion]:
    return db.session.scalars(sa.select(TermTableVersion).order_by(TermTableVersion.version.desc())
                              .limit(limit)).all()


def version(number: int) -> TermTableVersion | None:
    return db.session.scalar(sa.select(TermTableVersion).where(TermTableVersion.version == number))
