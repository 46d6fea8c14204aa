"""Hostile input on every form (issue 21, ASVS 5.1.3): Hypothesis fills the forms found on the app's form
pages and on the object pages that carry forms (notes, stages, submissions…) with empty and blank values,
10,000 characters, NUL bytes, lone surrogates (sent as the invalid UTF-8 a browser never sends), direction
marks, markup, template and SQL fragments, impossible dates and numbers such as -1, 1e309 and 9999999999999.
Never a 5xx; a form shown again (200) has written no row and says why in the user's language (Chinese).

The forms are read from the pages themselves (every `<form method="post">`, its action and field names), so
a new field or a new form on these pages is fuzzed without a change here. FORM_EXAMPLES requests per form
(`TT_FORM_EXAMPLES` for a deeper run).
"""
from __future__ import annotations

import datetime as dt
import os
import re
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urljoin

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.factories import (
    contract_data,
    make_achievement,
    make_broker,
    make_demand,
    make_operator,
    make_org,
    make_user,
)
from tests.tt_platform.challenges.helpers import challenge_data
from tt_platform.accounts.models import OrgKind
from tt_platform.brokerage import services as cases
from tt_platform.challenges import services as challenges
from tt_platform.contracts import services as contracts
from tt_platform.database import db as _db
from tt_platform.indexing import sync
from tt_platform.listings.models import ListingStatus
from tt_platform.roadshows import services as roadshows

FORM_EXAMPLES = int(os.environ.get("TT_FORM_EXAMPLES", "6"))

HOSTILE = [
    "", " ", "   \t  ", "\u3000", "x" * 10_000, "技" * 10_000, "a\x00b", "\x00", "\ud800", "标题\udfff",
    "\u202e\u200f逆序\u200e", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "{{ 7*7 }}",
    "{% for x in range(9) %}x{% endfor %}", "${7*7}", "' OR 1=1--", "1; DROP TABLE demands;--", "2026-02-30",
    "2026-13-01", "0000-00-00", "-1", "0", "1e309", "-1e309", "NaN", "inf", "9999999999999",
    "99999999999999999999", "1.5", "０１", "=HYPERLINK(\"http://evil.example\")", "../../etc/passwd",
]
hostile_value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                          st.lists(st.sampled_from(HOSTILE), min_size=2, max_size=3).map("".join))

FUZZ = settings(max_examples=FORM_EXAMPLES, deadline=None, database=None, derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
CJK = re.compile(r"[\u4e00-\u9fff]")
#: a page that refused the input: a flashed error or a field marked invalid (with its message)
REFUSED = re.compile(r'alert-danger|is-invalid|invalid-feedback')
REFUSED_TEXT = re.compile(r'(?:alert-danger[^>]*>|invalid-feedback[^>]*>)([^<]+)')
#: forms that end the session or switch the language: fuzzing them tests nothing about input
NOT_FUZZED = re.compile(r"^/(logout|lang/)")


class Forms(HTMLParser):
    """Every POST form of a page: (action, [(field name, default value)])."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._current = (a.get("action") or "", [])
            self.forms.append(self._current)
        elif self._current is not None and tag in ("input", "select", "textarea") and a.get("name"):
            if a.get("type") in ("file", "submit") or a["name"] == "csrf_token":
                return
            self._current[1].append((a["name"], a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def encode(fields: list[tuple[str, str]]) -> bytes:
    """application/x-www-form-urlencoded, lone surrogates as the (invalid) UTF-8 bytes they would be."""
    return "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode('utf-8', 'surrogatepass'))}"
                    for k, v in fields).encode()


def row_counts() -> dict[str, int]:
    return {t.name: _db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in _db.metadata.sorted_tables if t.name not in ("audit_log", "search_outbox")}


@pytest.fixture
def world(app, db, index):
    enterprise, university = make_org(OrgKind.ENTERPRISE), make_org(OrgKind.UNIVERSITY)
    people = {"ent": make_user(enterprise, admin=True), "uni": make_user(university, admin=True),
              "broker": make_broker(), "operator": make_operator()}
    published, draft = make_demand(enterprise), make_demand(enterprise, status=ListingStatus.DRAFT)
    result, draft_result = make_achievement(university), make_achievement(university, status=ListingStatus.DRAFT)
    case = cases.open_case(people["broker"], "对接", [published], [result])
    contract = contracts.create(people["ent"], contract_data(university, enterprise))
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=20)
    roadshow = roadshows.create(people["broker"], roadshows.RoadshowData(
        title="成果直通车", theme="面向储能企业的科技成果专场路演", starts_at=start,
        ends_at=start + dt.timedelta(hours=3), capacity=50, registration_opens_on=start.date() - dt.timedelta(days=25),
        registration_closes_on=start.date() - dt.timedelta(days=1), venue="报告厅", field_code="T01"))
    roadshows.add_slot(people["broker"], roadshow, result, "主讲人", 15)
    roadshow.is_published = True
    challenge = challenges.create(people["ent"], challenge_data())
    _db.session.commit()
    sync.rebuild()  # the published result is in the engine, for the agenda's suggestions
    ids = {"draft": draft.id, "published": published.id, "result": result.id, "draft_result": draft_result.id,
           "case": case.id, "contract": contract.id, "roadshow": roadshow.id, "challenge": challenge.id}
    return people, ids


#: (who, page): every form page of the app that needs no setup beyond the world, and object pages with forms
PAGES = [
    (None, "/login"), (None, "/register"), (None, "/password/forgot"),
    ("ent", "/account/"), ("ent", "/account/organisation"), ("ent", "/account/tokens/"),
    ("ent", "/demands/new"), ("ent", "/demands/{draft}/edit"), ("ent", "/demands/{draft}"),
    ("ent", "/demands/{published}"), ("ent", "/contracts/new"), ("ent", "/contracts/{contract}/edit"),
    ("ent", "/contracts/{contract}"), ("ent", "/challenges/new"), ("ent", "/trading/settings"),
    ("ent", "/cases/request/demand/{published}"), ("ent", "/challenges/{challenge}/edit"),
    ("ent", "/roadshows/{roadshow}"),
    ("uni", "/results/new"), ("uni", "/results/{draft_result}/edit"), ("uni", "/results/{result}"),
    ("uni", "/pricing/results/{result}/worksheets/new"), ("uni", "/trading/notices/new/{result}"),
    ("uni", "/trading/listings/new/{result}"), ("uni", "/trading/auctions/new/{result}"),
    ("uni", "/trading/confidential/result/{result}/edit"),
    ("broker", "/cases/new"), ("broker", "/cases/{case}"), ("broker", "/roadshows/{roadshow}/edit"),
    ("broker", "/roadshows/{roadshow}/agenda"), ("broker", "/roadshows/{roadshow}"),
    ("operator", "/matches/terms"), ("operator", "/demand-lists/new"), ("operator", "/roadshows/new"),
    ("operator", "/challenges/experts"),
]


@pytest.mark.parametrize(("who", "page"), PAGES, ids=[p for _, p in PAGES])
def test_hostile_input_on_every_form_of_the_page(app, db, world, who, page):
    people, ids = world
    client = app.test_client(user=people[who]) if who else app.test_client()
    url = page.format(**ids)
    shown = client.get(url)
    assert shown.status_code == 200, url
    parser = Forms()
    parser.feed(shown.get_data(as_text=True))
    forms = [(urljoin(url, action or url), fields) for action, fields in parser.forms
             if not NOT_FUZZED.match(urljoin(url, action or url))]
    assert forms, f"no form on {url}"
    for action, fields in forms:
        fuzz_one_form(app, people[who] if who else None, action, fields)


def fuzz_one_form(app, user, action: str, fields: list[tuple[str, str]]) -> None:
    @FUZZ
    @given(values=st.lists(st.one_of(st.none(), hostile_value), min_size=len(fields), max_size=len(fields)))
    def send(values):
        # None keeps the page's own value (a hidden op, a selected option), so some inputs get past the
        # first check and reach the deeper ones
        body = [(name, default if value is None else value)
                for (name, default), value in zip(fields, values, strict=True)]
        before = row_counts()
        client = app.test_client(user=user) if user else app.test_client()
        response = client.post(action, data=encode(body), content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (action, body)
        page = response.get_data(as_text=True)
        if response.status_code == 200 and REFUSED.search(page):  # shown again with the reason: nothing written
            assert row_counts() == before, (action, body)
            assert CJK.search(" ".join(REFUSED_TEXT.findall(page))), (action, body)  # said in Chinese

    send()


@pytest.mark.parametrize("amount", ["NaN", "-NaN", "sNaN", "Infinity", "-inf"])
def test_an_amount_that_is_not_a_number_is_refused_with_a_message(app, db, world, amount):
    """Found by the fuzzing above: NaN passed the amount field and broke the budget comparison (a 500)."""
    people, ids = world
    page = app.test_client(user=people["ent"]).get(f"/demands/{ids['draft']}/edit").get_data(as_text=True)
    parser = Forms()
    parser.feed(page)
    action, fields = next((a, f) for a, f in parser.forms if any(name == "budget_min" for name, _ in f))
    body = [(name, amount if name == "budget_min" else "5" if name == "budget_max" else value)
            for name, value in fields]
    response = app.test_client(user=people["ent"]).post(action or f"/demands/{ids['draft']}/edit",
                                                        data=encode(body),
                                                        content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "请输入 0 至 99,999,999.99 万元之间的金额。" in response.get_data(as_text=True)


def test_text_with_nul_is_refused_by_every_form_with_a_message(app, db, world):
    """PostgreSQL text cannot hold NUL (found by the import fuzzing on PostgreSQL: a 500 at the write):
    BaseForm refuses it on every form, web and import alike, before any service sees it."""
    from tt_platform.demands.models import Demand

    people, ids = world
    client = app.test_client(user=people["ent"])
    parser = Forms()
    parser.feed(client.get("/demands/new").get_data(as_text=True))
    action, fields = next((a, f) for a, f in parser.forms if any(name == "title" for name, _ in f))
    before = _db.session.scalar(sa.select(sa.func.count()).select_from(Demand))
    body = [(name, "储能\x00电池" if name == "title" else value) for name, value in fields]
    response = client.post(action or "/demands/new", data=encode(body),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "文本包含无法保存的字符（NUL）。" in response.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Demand)) == before
