"""Pricing (评估难、定价难): reference price bands from comparable registered contracts, valuation
worksheets with the three appraisal approaches, and the tax reliefs a registered contract earns."""
from __future__ import annotations

from flask_login import current_user

from tt_platform.pricing import labels, services, tax


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


def tax_summary(contract):
    """The reliefs panel of a registered contract's page, for its seller (costs not yet entered), or None."""
    if not services.can_see_tax(current_user, contract):
        return None
    view = services.tax_view(current_user, contract)
    line = next(line for line in view.lines if line.contract.id == contract.id)
    return {"view": view, "counted": line.counted, "reason": labels.cit_reasons()[line.reason],
            "cit_source": tax.CIT_SOURCE, "vat_source": tax.VAT_SOURCE}


def case_worksheets(case):
    """The worksheets shared with a matchmaking case, on the case page (brokerage is below this package)."""
    return services.case_worksheets(current_user, case)


def init_app(app) -> None:
    app.jinja_env.globals.update(price_reference=price_reference, tax_reliefs_shown=tax_reliefs_shown,
                                tax_summary=tax_summary, case_worksheets=case_worksheets)
