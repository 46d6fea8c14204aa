"""The columns of the contract list's and the registration desk's exports: what the contract page shows
everyone who may see the contract, codes and names side by side, amounts in 万元 (exact decimals)."""
from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from flask_babel import gettext as _

from tt_platform import money, taxonomy
from tt_platform.contracts.models import PAYMENT_MODES, PAYMENT_MODES_EN, Contract
from tt_platform.i18n import locale_code
from tt_platform.listings.export import Column, field_columns, region_columns, yes
from tt_platform.listings.export import table as _table


def _type_name(code: str, locale: str) -> str:
    if locale == "en" and code in taxonomy.CONTRACT_TYPE_EN:
        return taxonomy.CONTRACT_TYPE_EN[code]
    return taxonomy.contract_types().get(code, code)


def _party_type(code: str | None) -> str:
    return taxonomy.party_types().get(code or "", ("", None))[0]


def _type_columns() -> list[Column]:
    locale = locale_code()
    return [(_("Contract type code"), lambda c: c.type_code),
            (_("Contract type"), lambda c: _type_name(c.type_code, locale))]


def _amount_columns() -> list[Column]:
    return [(_("Contract amount (万元)"), lambda c: money.fen_to_wan(c.total_fen)),
            (_("Technology transaction amount (万元)"), lambda c: money.fen_to_wan(c.tech_fen))]


def _link() -> Column:
    return _("Link"), lambda c: url_for("contracts.detail", contract_id=c.id, _external=True)


def columns() -> list[Column]:
    locale = locale_code()
    modes = PAYMENT_MODES_EN if locale == "en" else PAYMENT_MODES
    return [
        (_("ID"), lambda c: c.id),
        (_("Contract name"), lambda c: c.name),
        (_("Registration number"), lambda c: c.registration_number or ""),
        (_("Status code"), lambda c: c.status.value),
        (_("Status"), lambda c: c.status.label),
        *_type_columns(),
        (_("Contract sub-type code"), lambda c: c.subtype_code),
        (_("Contract sub-type"), lambda c: taxonomy.subtype_short(c.subtype_code)),
        *field_columns(),
        (_("Seller"), lambda c: c.seller_name),
        (_("Seller party type code"), lambda c: c.seller_party_type),
        (_("Seller party type"), lambda c: _party_type(c.seller_party_type)),
        *region_columns(lambda c: c.seller_region_code, _("Seller region code"), _("Seller region")),
        (_("Buyer"), lambda c: c.buyer_name),
        (_("Buyer party type code"), lambda c: c.buyer_party_type),
        (_("Buyer party type"), lambda c: _party_type(c.buyer_party_type)),
        *region_columns(lambda c: c.buyer_region_code, _("Buyer region code"), _("Buyer region")),
        *_amount_columns(),
        (_("Payment mode code"), lambda c: c.payment_mode),
        (_("Payment mode"), lambda c: modes.get(c.payment_mode, c.payment_mode)),
        (_("Signed on"), lambda c: c.signed_on),
        (_("Registered on"), lambda c: c.registered_on),
        (_("demo"), lambda c: yes(c.is_demo)),
        _link(),
    ]


def registry_columns() -> list[Column]:
    """The registration desk: what waits for the registrar, as its page lists it."""
    return [
        (_("ID"), lambda c: c.id),
        (_("Contract name"), lambda c: c.name),
        (_("Seller"), lambda c: c.seller_name),
        *_type_columns(),
        *_amount_columns(),
        (_("Waiting since"), lambda c: c.submitted_at),
        (_("Status code"), lambda c: c.status.value),
        (_("Status"), lambda c: c.status.label),
        (_("Change requested"), lambda c: yes(c.change_request is not None)),
        _link(),
    ]


def table(contracts: Iterable[Contract]) -> tuple[list[str], list[list]]:
    return _table(columns(), contracts)


def registry_table(contracts: Iterable[Contract]) -> tuple[list[str], list[list]]:
    return _table(registry_columns(), contracts)
