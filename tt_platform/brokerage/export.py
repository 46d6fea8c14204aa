"""The columns of the case list's export: what the case page shows everyone who may see the case
(no notes, documents or request messages), codes and names side by side."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from tt_platform.brokerage.models import SOURCES, TERMINATION_REASONS, Case
from tt_platform.listings.export import Column
from tt_platform.listings.export import table as _table


def _sides() -> dict[str, str]:
    return {"demand": _("demand side"), "supply": _("supply side"), "other": _("other")}


def columns() -> list[Column]:
    sides = _sides()
    return [
        (_("ID"), lambda c: c.id),
        (_("Case title"), lambda c: c.title),
        (_("Stage code"), lambda c: c.stage.value),
        (_("Stage"), lambda c: c.stage.label),
        (_("Source code"), lambda c: c.source),
        (_("Source"), lambda c: str(SOURCES.get(c.source, c.source))),
        (_("Agency"), lambda c: c.agency.name),
        (_("Broker"), lambda c: c.broker.name if c.broker else _("waiting for a broker")),
        (_("Demands"), lambda c: "\n".join(d.title for d in c.demands)),
        (_("Research results"), lambda c: "\n".join(r.title for r in c.results)),
        (_("Participants"),
         lambda c: "\n".join(f"{p.organisation.name} · {sides.get(p.side, p.side)}" for p in c.participants)),
        (_("Termination reason code"), lambda c: c.termination_reason or ""),
        (_("Termination reason"), lambda c: TERMINATION_REASONS.get(c.termination_reason or "", "")),
        (_("Created"), lambda c: c.created_at),
        (_("Last updated"), lambda c: c.updated_at),
        (_("Link"), lambda c: url_for("brokerage.detail", case_id=c.id, _external=True)),
    ]


def table(cases: list[Case]) -> tuple[list[str], list[list]]:
    return _table(columns(), cases)
