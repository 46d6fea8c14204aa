"""Every user-facing message has a Chinese translation, and the compiled catalogue is current."""
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "tt_platform/translations/zh_Hans_CN/LC_MESSAGES"
METHODS = [("tt_platform/templates/**.html", "jinja2"), ("tt_platform/**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS,
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _po():
    with open(CATALOGUE / "messages.po", "rb") as fh:
        return read_po(fh)


def test_every_source_message_has_a_chinese_translation():
    catalogue = {m.id: m for m in _po() if m.id}
    untranslated = sorted(
        mid for mid in _source_messages()
        if mid not in catalogue or not catalogue[mid].string or catalogue[mid].fuzzy
    )
    assert untranslated == []


def test_placeholders_survive_translation():
    import re

    for message in _po():
        if message.id and message.string:
            assert set(re.findall(r"%\(\w+\)[sd]", message.id)) == set(
                re.findall(r"%\(\w+\)[sd]", message.string)), message.id


def test_compiled_catalogue_is_current():
    with open(CATALOGUE / "messages.mo", "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    source = {m.id: m.string for m in _po() if m.id and m.string}
    assert compiled == source


def test_highlight_marks_every_term_single_characters_included_and_escapes():
    from tt_platform.i18n import highlight

    assert str(highlight("锂离子电池<b>", ["锂", "电池"])) == "<mark>锂</mark>离子<mark>电池</mark>&lt;b&gt;"
    assert str(highlight("a<b", [])) == "a&lt;b"


def test_a_result_shows_where_the_searched_words_are():
    from tt_platform.i18n import excerpt

    summary = "以氧化石墨为前驱体获得功能化石墨烯片。"
    body = summary + "中间的说明文字。" * 30 + "最后提到了导热膜的量产工艺，以及后续的应用前景。" + "结尾。" * 60
    # the summary when it holds a searched word, or when nothing was searched
    assert excerpt(["石墨烯"], summary, body) == summary
    assert excerpt([], summary, body) == summary
    # else the stretch of text where one first occurs, cut marks shown
    shown = excerpt(["导热膜"], summary, body)
    assert "导热膜的量产工艺" in shown and shown.startswith("…") and shown.endswith("…")
    assert len(shown) <= 162
    # a word found nowhere: the summary, as before
    assert excerpt(["量子点"], summary, body) == summary


def test_templates_follow_the_locale_within_one_request(app):
    # i18n.translations() keeps the translations found for the request's locale: force_locale (mails in the
    # recipient's language) and refresh() (a language chosen mid-request) must still switch the text
    from flask import session
    from flask_babel import force_locale, refresh

    page = app.jinja_env.from_string("{{ _('Technology demands') }}")
    with app.test_request_context("/"):
        assert page.render() == "技术需求"
        with force_locale("en"):
            assert page.render() == "Technology demands"
        assert page.render() == "技术需求"
        session["locale"] = "en"
        refresh()
        assert page.render() == "Technology demands"
