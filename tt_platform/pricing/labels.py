"""What the tax reasons say to a reader (pricing.tax returns codes)."""
from __future__ import annotations

from flask_babel import gettext as _

from tt_platform.pricing import tax


def cit_reasons() -> dict[str, str]:
    return {
        tax.IN_TRANSFER: _("Transfer: counts."),
        tax.IN_LICENCE: _("Licence of five years or more signed since 2015-10-01: counts as a transfer."),
        tax.OUT_NOT_TRANSFER: _("Development, consulting or service: not technology-transfer income."),
        tax.OUT_SHORT_LICENCE: _("Licence shorter than five years: does not count."),
        tax.OUT_EARLY_LICENCE: _("Licence signed before 2015-10-01: counts only if exclusive, which the "
                                 "platform does not record; left out."),
        tax.OUT_NO_TERM: _("Licence without a recorded term: record its validity to count it."),
    }


def vat_reasons() -> dict[str, str]:
    return {
        tax.VAT_IN_TECH: _("Technical part of a registered transfer, licence or development: exempt."),
        tax.VAT_OUT_NON_TECH: _("Equipment, materials and other non-technical items are not exempt."),
        tax.VAT_OUT_STANDALONE: _("Consulting or service on its own: exempt only when related to a transfer or "
                                  "development and invoiced together with it."),
        tax.VAT_OUT_NOT_REGISTERED: _("Exemption needs the contract registered."),
    }
