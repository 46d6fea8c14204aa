"""Operators edit the related-term table; search and matching read its newest version (or the shipped default).

The table is read from the database once per request or CLI command (kept on `flask.g`), and parsed
once per version per process. Services flush, never commit."""
from __future__ import annotations

import re
import time

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import gettext as _

from search import analysis
from search.analysis import SynonymTable
from tt_platform.accounts.models import User
from tt_platform.audit import models as audit
from tt_platform.database import db, utcnow
from tt_platform.security import NotAllowed
from tt_platform.vocabulary.models import TermProposal, TermTableVersion

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


#: Seconds a process trusts the table version it last read, where only the version is needed (the page
#: caches' generation, on every anonymous list page): a version saved in another process is seen within this.
VERSION_RECHECK = 1.0


def version_key() -> tuple | None:
    """Which table queries are expanded with: the newest version's (number, saved at), None for the shipped
    default, ("off",) when expansion is off. Read from the database at most every VERSION_RECHECK seconds
    per process; a version saved by this process is seen at once."""
    if not current_app.config["SEARCH_SYNONYMS"]:
        return ("off",)
    now = time.monotonic()
    memo = current_app.extensions.get("tt_term_version")
    if memo is not None and now - memo[0] < VERSION_RECHECK:
        return memo[1]
    row = db.session.execute(sa.select(TermTableVersion.version, TermTableVersion.created_at)
                             .order_by(TermTableVersion.version.desc()).limit(1)).first()
    key = tuple(row) if row is not None else None
    current_app.extensions["tt_term_version"] = (now, key)
    return key


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
    current_app.extensions.pop("tt_term_version", None)  # and this process's page caches at once
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
        key = (row.version, row.created_at)  # a version's number alone could name a rolled-back row's text
        if key not in cache:
            parsed = SynonymTable.from_rows(parse(row.text), version=f"v{row.version}")
            analysis.teach(t for group in parsed.groups for t in group)
            cache.clear()
            cache[key] = parsed
        table = cache[key]
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


def record_proposals(proposals) -> int:
    """Keep newly proposed pairs (search.term_proposals.Proposal) for the operators; a pair already
    decided stays decided, one still waiting gets its new evidence. Returns how many are new."""
    known = {(p.term_a, p.term_b): p for p in db.session.scalars(sa.select(TermProposal))}
    new = 0
    for proposal in proposals:
        term_a, term_b = (t[:MAX_TERM] for t in proposal.terms)
        row = known.get((term_a, term_b))
        if row is None:
            row = TermProposal(term_a=term_a, term_b=term_b)
            db.session.add(row)
            new += 1
        elif row.status != "proposed":
            continue
        row.support, row.against, row.examples = proposal.support, proposal.against, list(map(list, proposal.examples))
    db.session.flush()
    return new


def pending_proposals() -> list[TermProposal]:
    return db.session.scalars(sa.select(TermProposal).where(TermProposal.status == "proposed")
                              .order_by(TermProposal.support.desc(), TermProposal.id)).all()


def decide(user: User, proposal: TermProposal, accept: bool) -> TermTableVersion | None:
    """An operator accepts (the pair joins a new version of the table) or rejects a proposal."""
    if not user.is_operator:
        raise NotAllowed(_("Only operators edit the related-term table."))
    if proposal.status != "proposed":
        raise TermTableError(_("This proposal has been decided already."))
    version = None
    if accept:
        current = latest()
        text = current.text if current else default_text()
        version = save(user, f"{text.rstrip()}\n{proposal.term_a},{proposal.term_b}\n",
                       note=_("Accepted proposal: %(a)s / %(b)s", a=proposal.term_a, b=proposal.term_b))
        proposal.version_id = version.id
    proposal.status = "accepted" if accept else "rejected"
    proposal.decided_by_id, proposal.decided_at = user.id, utcnow()
    audit.record(user, "term_proposal", proposal.id, proposal.status, note=f"{proposal.term_a}/{proposal.term_b}")
    return version
