"""One match's reasons in plain words, as HTML (the list under each suggestion of a match page).

Built in Python rather than by a Jinja include: a match page shows up to 26 suggestions of about eight
reasons each, and through Jinja each suggestion cost an include (a copy of the page's context) and about ten
gettext calls at ~17 µs each through Jinja's call machinery, plus format filters — a large share of a page's
server time (bench/README.md, Load). Here each message is looked up in the request's translations directly
(~1 µs); the HTML is the same, and what is not the catalogue's text is escaped.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from search.matching import Match
from tt_platform import taxonomy
from tt_platform.i18n import locale_code, translations, wan


def _(message: str) -> str:
    """`message` in the request's language: the catalogue's text, which (as Jinja's gettext does) counts as
    markup; every value put into it is escaped first."""
    return translations().ugettext(message)


def _e(value) -> str:
    return str(escape(value))


def _joined(items) -> str:
    return "、".join(items)


def _score(value: float) -> str:
    return f"{value:+.3f}" if abs(value) >= 0.0005 else "±0"


def _tone(value: float) -> str:
    return "text-success" if value >= 0.0005 else ("text-danger" if value <= -0.0005 else "text-muted")


def _component(key: str, detail: dict, locale: str) -> str:
    if key == "field":
        return _("Same technology field") if detail.get("same") else _("Different technology field")
    if key == "maturity":
        return _("Maturity: TRL %(offered)d offered, TRL %(required)d required") % {
            "offered": detail.get("offered"), "required": detail.get("required")}
    if key == "price":
        return _("Asking price %(price)s, budget up to %(budget)s") % {
            "price": _e(wan(detail.get("price"))), "budget": _e(wan(detail.get("budget")))}
    if key == "modes":
        overlap = detail.get("overlap")
        if not overlap:
            return _("No cooperation mode in common")
        return _("Cooperation modes in common") + ": " + _joined(
            _e(taxonomy.mode_label(mode, locale)) for mode in overlap)
    if key == "region":
        return _("Same province") if detail.get("same_province") else _("Another province")
    if key == "freshness":
        return _("Published %(days)d days ago") % {"days": detail.get("age_days")}
    return ""


def reasons(m: Match) -> Markup:
    """The reasons of one match: its shared terms, each scored component, its text and total scores. Built
    as plain text with every value escaped where it is put in (Markup's own % escapes each argument through
    a wrapper object, several times slower), marked safe once at the end."""
    locale = locale_code()
    out = ['<ul class="list-unstyled small mb-0 match-reasons">']
    if m.shared_terms:
        out.append(f"<li>{_('Shared technical terms')}: "
                   f"{_joined(f'<mark>{_e(t)}</mark>' for t in m.shared_terms)}</li>")
    for c in m.components:
        out.append(f'<li class="{_tone(c.score)}">{_component(c.key, c.detail, locale)} '
                   f'<span class="text-muted">({_score(c.score)})</span></li>')
    out.append(f'<li class="text-muted">{_("Text relevance")}: {m.text_score:.3f} · '
               f'{_("Total score")}: {m.score:.3f}</li></ul>')
    return Markup("".join(out))  # noqa: S704 - the catalogue's text and escaped values only
