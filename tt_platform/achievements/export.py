"""The columns of a research-result export: what every visitor of the list and detail pages sees."""
from __future__ import annotations

from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.achievements.models import Achievement
from tt_platform.listings import export
from tt_platform.listings.export import Column


def _price(a: Achievement):
    return export.wan(a.asking_price) if a.asking_price is not None else _("Negotiable")


def columns() -> list[Column]:
    return export.listing_columns("achievements.detail", [
        (_("Maturity (TRL)"), lambda a: a.trl),
        (_("Maturity stage code"), lambda a: a.maturity or ""),
        (_("Maturity stage"), lambda a: taxonomy.maturity_steps().get(a.maturity or "", ("", ""))[0]),
        (_("Asking price (万元)"), _price),
    ])
