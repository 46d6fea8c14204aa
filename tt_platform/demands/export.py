"""The columns of a demand export (the public list, a demand list): what every visitor sees."""
from __future__ import annotations

from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.demands.models import Demand
from tt_platform.listings import export
from tt_platform.listings.export import Column


def _budget_from(d: Demand):
    if d.budget_min is None and d.budget_max is None:
        return _("Negotiable")
    return export.wan(d.budget_min)


def columns() -> list[Column]:
    return export.listing_columns("demands.detail", [
        (_("Industry code"), lambda d: (d.industry_section or "") + (d.industry_division or "")),
        (_("Industry"), lambda d: taxonomy.industry_label(d.industry_section, d.industry_division)),
        (_("Budget from (万元)"), _budget_from),
        (_("Budget up to (万元)"), lambda d: export.wan(d.budget_max)),
        (_("Required maturity (TRL)"), lambda d: d.required_trl),
        (_("Challenge"), lambda d: export.yes(d.is_challenge)),
        (_("Challenge bounty (万元)"), lambda d: export.wan(d.bounty) if d.is_challenge else None),
    ])
