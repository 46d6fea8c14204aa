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


def _(message: str) -> Markup:
    """`message` in the request's language. The catalogue's text is markup, as Jinja's gettext treats it;
    values put into it with % are escaped."""
    return Markup(translations().ugettext(message))  # noqa: S704 - the project's own catalogue


def _joined(items) -> Markup:
    return Markup("、").join(items)


def _score(value: float) -> str:
    return f"{value:+.3f}" if abs(value) >= 0.0005 else "±0"


def _tone(value: float) -> str:
    return "text-success" if value >= 0.0005 else ("text-danger" if value <= -0.0005 else "text-muted")


def _component(key: str, detail: dict, locale: str) -> Markup:
    if key == "field":
        return _("Same technology field") if detail.get("same") else _("Different technology field")
    if key == "maturity":
        return _("Maturity: TRL %(offered)d offered, TRL %(required)d required") % {
            "offered": detail.get("offered"), "required": detail.get("required")}
    if key == "price":
        return _("Asking price %(price)s, budget up to %(budget)s") % {
            "price": wan(detail.get("price")), "budget": wan(detail.get("budget"))}
    if key == "modes":
        overlap = detail.get("overlap")
        if not overlap:
            return _("No cooperation mode in common")
        return _("Cooperation modes in common") + ": " + _joined(
            escape(taxonomy.mode_label(mode, locale)) for mode in overlap)
    if key == "region":
        return _("Same province") if detail.get("same_province") else _("Another province")
    if key == "freshness":
        return _("Published %(days)d days ago") % {"days": detail.get("age_days")}
    return Markup("")


def reasons(m: Match) -> Markup:
    """The reasons of one match: its shared terms, each scored component, its text and total scores."""
    locale = locale_code()
    out = [Markup('<ul class="list-unstyled small mb-0 match-reasons">')]
    if m.shared_terms:
        out.append(Markup("<li>%s: %s</li>") % (
            _("Shared technical terms"), _joined(Markup("<mark>%s</mark>") % t for t in m.shared_terms)))
    for c in m.components:
        out.append(Markup('<li class="%s">%s <span class="text-muted">(%s)</span></li>') % (
            _tone(c.score), _component(c.key, c.detail, locale), _score(c.score)))
    out.append(Markup('<li class="text-muted">%s: %.3f · %s: %.3f</li></ul>') % (
        _("Text relevance"), m.text_score, _("Total score"), m.score))
    return Markup("").join(out)
