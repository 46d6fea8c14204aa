"""The columns of a roadshow's registrations export (organisers only): what the organiser's panel of
the roadshow page shows, codes and names side by side."""
from __future__ import annotations

from flask_babel import gettext as _

from tt_platform.listings.export import Column, region_columns
from tt_platform.listings.export import table as _table
from tt_platform.roadshows.models import INTENTION_LEVELS, Registration, Roadshow


def _intentions(r: Registration) -> str:
    return "\n".join(f"{i.achievement.title} · {INTENTION_LEVELS.get(i.level, i.level)}"
                     + (f" — {i.note}" if i.note else "") for i in r.intentions)


def columns() -> list[Column]:
    return [
        (_("ID"), lambda r: r.id),
        (_("Organisation"), lambda r: r.organisation.name),
        (_("Organisation type"), lambda r: r.organisation.kind.label),
        *region_columns(lambda r: r.organisation.region_code),
        (_("Attendees"), lambda r: r.attendees),
        (_("Status code"), lambda r: r.status.value),
        (_("Status"), lambda r: r.status.label),
        (_("Registered at"), lambda r: r.created_at),
        (_("Checked in at"), lambda r: r.checked_in_at),
        (_("Intentions"), _intentions),
    ]


def table(roadshow: Roadshow) -> tuple[list[str], list[list]]:
    return _table(columns(), roadshow.registrations)
