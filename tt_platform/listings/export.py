"""The columns of a demand or research-result export: only what the public list and detail pages show
to everyone (never the contact, the detailed description or the technical problem), codes and names
side by side, names in the reader's language."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from tt_platform import taxonomy
from tt_platform.database import CHINA
from tt_platform.i18n import locale_code

#: (header, value of one row); values are typed (numbers, dates, text) for the spreadsheet.
Column = tuple[str, Callable[[Any], Any]]


def table(columns: Sequence[Column], items: Iterable) -> tuple[list[str], list[list]]:
    """Headers and rows of `items` under `columns`."""
    return [header for header, _value in columns], [[value(item) for _header, value in columns] for item in items]


def numbered(columns: Sequence[Column]) -> list[Column]:
    """`columns` over (position, item) pairs, led by the position (as the numbered list pages show it)."""
    return [("#", lambda pair: pair[0]),
            *((header, lambda pair, value=value: value(pair[1])) for header, value in columns)]


def wan(amount: Decimal | None) -> Decimal | None:
    """An amount in 万元 with its two decimals, as the pages show it (50.5 → 50.50)."""
    return None if amount is None else Decimal(amount).quantize(Decimal("0.01"))


def yes(flag: bool) -> str:
    return _("yes") if flag else ""


def local_date(moment):
    """A stored UTC time as its Beijing date (the day the pages show)."""
    return moment.astimezone(CHINA).date() if moment is not None else None


def field_columns(code: Callable[[Any], str | None] = lambda o: o.field_code) -> list[Column]:
    """技术领域 code and name; `code` reads the code from a row."""
    locale = locale_code()
    return [(_("Technology field code"), lambda o: code(o) or ""),
            (_("Technology field"), lambda o: taxonomy.field_label(code(o), locale))]


def region_columns(code: Callable[[Any], str | None] = lambda o: o.region_code, code_header: str | None = None,
                   name_header: str | None = None) -> list[Column]:
    """Region code and name; `code` reads the code from a row."""
    return [(code_header or _("Region code"), lambda o: code(o) or ""),
            (name_header or _("Region"), lambda o: taxonomy.region_label(code(o)))]


def listing_columns(detail_endpoint: str, own: Sequence[Column] = ()) -> list[Column]:
    """The columns every listing has, with the listing kind's `own` after the code lists."""
    locale = locale_code()
    return [
        (_("ID"), lambda li: li.id),
        (_("Title"), lambda li: li.title),
        (_("Status"), lambda li: li.effective_status.label),
        (_("Organisation"), lambda li: li.organisation.name),
        *field_columns(),
        *region_columns(),
        (_("Cooperation mode codes"), lambda li: ", ".join(li.cooperation_modes or [])),
        (_("Cooperation modes"),
         lambda li: "、".join(taxonomy.mode_label(m, locale) for m in li.cooperation_modes or [])),
        *own,
        (_("Keywords"), lambda li: "，".join(li.keyword_list)),
        (_("Summary"), lambda li: li.summary),
        (_("Published on"), lambda li: local_date(li.published_at)),
        (_("Valid until"), lambda li: li.valid_until),
        (_("Demo listing"), lambda li: yes(li.is_demo)),
        (_("Link"), lambda li: url_for(detail_endpoint, listing_id=li.id, _external=True)),
    ]
