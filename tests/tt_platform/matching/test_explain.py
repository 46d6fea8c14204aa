"""A match's reasons as HTML (tt_platform/matching/explain.py): every kind of reason in both languages, the
score signs, and escaping of what is not the catalogue's text."""
import pytest
from flask import session
from flask_babel import refresh

from search.matching import Component, Match
from tt_platform.matching.explain import reasons

MATCH = Match(doc_id="achievement:1", score=2.07512, text_score=2.0, shared_terms=["覆冰", "<b>&"], components=[
    Component("field", 0.02, {"same": True}), Component("maturity", 0.02, {"offered": 6, "required": 5}),
    Component("price", -0.01, {"price": 80, "budget": 100}), Component("modes", 0.01, {"overlap": ["transfer"]}),
    Component("modes", 0.0, {"overlap": []}), Component("region", 0.0003, {"same_province": False}),
    Component("freshness", 0.005, {"age_days": 3})])


@pytest.mark.parametrize(("locale", "expected"), [
    ("zh_CN", ["共同技术术语: <mark>覆冰</mark>、<mark>&lt;b&gt;&amp;</mark>", "相同技术领域",
               "成果为 TRL 6，需求要求 TRL 5", "报价 80.00 万元，预算上限 100.00 万元", "技术转让", "不同省份",
               "3 天前发布"]),
    ("en", ["Shared technical terms: <mark>覆冰</mark>", "Same technology field", "TRL 6 offered, TRL 5 required",
            "Asking price 80.00 万元, budget up to 100.00 万元", "No cooperation mode in common", "Another province",
            "Published 3 days ago"]),
])
def test_reasons_in_each_language(app, locale, expected):
    with app.test_request_context("/"):
        session["locale"] = locale
        refresh()
        html = str(reasons(MATCH))
    for part in expected:
        assert part in html
    assert '<li class="text-danger">' in html and "(-0.010)" in html  # a penalty reads as one
    assert '<li class="text-muted">' in html and "(±0)" in html and "-0.000" not in html  # 0.0003 is no reason
    assert "(+0.020)" in html and "2.000" in html and "2.075" in html
    assert "<b>" not in html
