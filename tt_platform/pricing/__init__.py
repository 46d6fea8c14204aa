"""Pricing (评估难、定价难): reference price bands from comparable registered contracts, valuation
worksheets with the three appraisal approaches, and the tax reliefs a registered contract earns."""
from __future__ import annotations

from flask_login import current_user

from tt_platform.pricing import services


def price_reference(listing):
    """The band panel of a result or demand page: the Reference, or None where the viewer may not see
    comparable deals (listing pages are below this package, so they reach it only through this global)."""
    if not getattr(current_user, "is_authenticated", False) or not services.can_see_reference(current_user, listing):
        return None
    if listing.entity_type == "achievement":
        return services.reference_for_result(current_user, listing)
    return services.reference_for_demand(current_user, listing)


def tax_reliefs_shown(contract) -> bool:
    return services.can_see_tax(current_user, contract)


def init_app(app) -> None:
    app.jinja_env.globals.update(price_reference=price_reference, tax_reliefs_shown=tax_reliefs_shown)
