"""Locale selection (zh_CN by default, en second) and Jinja helpers for code-list labels."""
from __future__ import annotations

import functools
import re
from decimal import Decimal

from babel import Locale
from flask import current_app, has_request_context, session
from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape

from tt_platform import money, taxonomy
from tt_platform.accounts.models import OrgKind
from tt_platform.config import SUPPORTED_LOCALES
from tt_platform.database import CHINA
from tt_platform.extensions import babel


def _code() -> str:
    if not has_request_context():  # CLI commands and background work speak the default language
        return current_app.config["DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return current_user.locale
    return current_app.config["DEFAULT_LOCALE"]


@functools.cache
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """The request's locale, as a parsed Babel Locale (Flask-Babel takes one as it is): parsing a code
    checks Babel's locale data by a scan of every identifier it knows, ~0.4 ms once per request, which
    was a tenth of what a page served from the page cache costs."""
    return _parsed(_code())


def locale_code() -> str:
    """'zh_CN' or 'en' (Babel itself renders zh_CN as zh_Hans_CN)."""
    current = get_locale()
    return "en" if current is not None and current.language == "en" else "zh_CN"


ACTION_LABELS = {
    "created": _l("Created"), "updated": _l("Edited"), "submitted": _l("Submitted for review"),
    "approved": _l("Approved"), "returned": _l("Returned for changes"), "rejected": _l("Rejected"),
    "status": _l("Status changed"), "expired": _l("Expired"),
    "registered": _l("Registered"), "numbered": _l("Registration number issued"), "refused": _l("Refused"),
    "cancelled": _l("Registration cancelled"), "change_requested": _l("Change requested"),
    "change_registered": _l("Change registered"), "stage": _l("Stage changed"), "note": _l("Note added"),
    "task": _l("Task"), "document": _l("Document"), "participant": _l("Participant"),
    "claimed": _l("Claimed by a broker"), "agenda": _l("Agenda changed"), "registration": _l("Registration decided"),
}


def beijing(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time shown in Beijing time, where every event of the platform happens."""
    return moment.astimezone(CHINA).strftime(fmt) if moment else ""


def wan(amount, places: int = 2) -> str:
    """An exact amount in 万元, two decimals: 1234.5 → '1,234.50 万元'."""
    if amount is None:
        return ""
    return f"{Decimal(amount):,.{places}f} 万元"


def wan_number(amount) -> str:
    return f"{Decimal(amount):,.2f}" if amount is not None else ""


def _terms_pattern(terms) -> re.Pattern | None:
    wanted = sorted({t for t in terms or () if t and t.strip()}, key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE) if wanted else None


def highlight(text: str, terms) -> Markup:
    """`text` escaped, with each occurrence of the terms wrapped in <mark> (longest terms first)."""
    text = text or ""
    pattern = _terms_pattern(terms)
    if pattern is None:
        return escape(text)
    out, last = [], 0
    for found in pattern.finditer(text):
        out.append(escape(text[last:found.start()]))
        out.append(Markup("<mark>%s</mark>") % found.group(0))  # % escapes the matched text
        last = found.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def excerpt(terms, summary: str | None, *texts: str | None, width: int = 160) -> str:
    """What a search result shows: its summary, unless the searched terms occur only further in its
    texts; then the stretch of text where they first do ("…" marks what is left out)."""
    summary = (summary or "").strip()
    pattern = _terms_pattern(terms)
    if pattern is None or pattern.search(summary):
        return summary if len(summary) <= width else summary[:width - 1] + "…"
    for text in texts:
        found = pattern.search(text or "")
        if found:
            start = max(0, found.start() - width // 4)
            end = start + width
            return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    return summary if len(summary) <= width else summary[:width - 1] + "…"


def translations():
    """Flask-Babel's translations for the current locale, found once per locale in a request.

    Flask-Babel's own `get_translations()` walks the app and request contexts about nine times per call
    (~100 µs here); a match page translates ~240 strings and a list page ~90, which made gettext 20–30% of
    their server time in the load benchmark (bench/README.md, Load). The result is kept on Flask-Babel's
    per-request context next to the locale it belongs to, so `force_locale` and `refresh()`, which replace
    that locale object, are followed."""
    app_ctx = _cv_app.get(None)
    ctx = getattr(app_ctx.g, "_flask_babel", None) if app_ctx is not None else None
    locale = getattr(ctx, "babel_locale", None)
    if locale is None:  # not chosen yet in this request (or no request): the ordinary way, which chooses it
        return get_translations()
    kept = getattr(ctx, "tt_translations", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()
    ctx.tt_translations = (locale, found)
    return found


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale)
    # the same callables Flask-Babel installs, through the per-request look-up above
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["wan"] = wan
    app.jinja_env.filters["wan_number"] = wan_number
    app.jinja_env.filters["fen_wan"] = money.format_wan
    app.jinja_env.filters["fen_yuan"] = money.format_yuan
    app.jinja_env.filters["fen_wan_number"] = money.format_wan_number
    app.jinja_env.filters["beijing"] = beijing

    # Globals rather than a context processor: imported macros see globals, not the render context.
    app.jinja_env.globals.update(
        field_label=lambda code: taxonomy.field_label(code, locale_code()),
        region_label=taxonomy.region_label,
        trl_label=lambda level: taxonomy.trl_label(level, locale_code()),
        mode_label=lambda code: taxonomy.mode_label(code, locale_code()),
        maturity_label=lambda code: taxonomy.maturity_steps().get(code, ("", ""))[0],
        party_type_label=lambda code: taxonomy.party_types().get(code, ("", None))[0],
        industry_label=taxonomy.industry_label,
        ip_type_label=lambda code: taxonomy.IP_TYPES.get(code, code),
        ip_status_label=lambda code: str(taxonomy.IP_STATUSES.get(code, code)),
        action_label=lambda action: str(ACTION_LABELS.get(action, action)),
        field_choices=list(taxonomy.fields().items()),
        province_choices=taxonomy.province_choices(),
        mode_codes=list(taxonomy.COOPERATION_MODES),
        org_kinds=[k for k in OrgKind if k is not OrgKind.OPERATOR],
        contract_type_label=lambda code: taxonomy.contract_types().get(code, code),
        contract_subtype_label=taxonomy.subtype_short,
        excerpt=excerpt,
    )

    @app.context_processor
    def current_locale():
        return {"locale": locale_code()}

