"""Score aggregation: exact weighted scores, the trimmed mean from five experts on, ranks with ties; a
property test that the ranking does not depend on the order scores arrive in and equals a direct
computation."""
from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tt_platform.challenges import scoring

RUBRIC = [{"name": "方案", "weight": 40, "max_score": 10}, {"name": "团队", "weight": 35, "max_score": 5},
          {"name": "计划", "weight": 25, "max_score": 100}]


def test_an_expert_score_scales_every_criterion_to_its_weight():
    assert scoring.expert_score(RUBRIC, [10, 5, 100]) == 100
    assert scoring.expert_score(RUBRIC, [0, 0, 0]) == 0
    assert scoring.expert_score(RUBRIC, [7, 3, 33]) == Fraction(7, 10) * 40 + Fraction(3, 5) * 35 + Fraction(33, 4)


def test_from_five_experts_the_highest_and_lowest_are_dropped():
    assert scoring.combine([Fraction(x) for x in (10, 20, 90, 30)]) == (Fraction(150, 4), 4)
    assert scoring.combine([Fraction(x) for x in (10, 20, 90, 30, 40)]) == (Fraction(90, 3), 3)
    assert scoring.combine([]) == (0, 0)


def test_ties_share_a_rank_and_keep_the_earlier_application_first():
    rows = [(7, 1, [10, 5, 100]), (3, 1, [5, 5, 0]), (5, 1, [5, 5, 0])]
    ranked = scoring.rank(RUBRIC, rows)
    assert [(r.application_id, r.rank) for r in ranked] == [(7, 1), (3, 2), (5, 2)]
    assert str(ranked[1].shown) == "55.00"


def direct(rubric, rows):
    """The rule written out the slow way, for comparison."""
    table = {}
    for application_id, _expert, points in rows:
        total = Fraction(0)
        for i, criterion in enumerate(rubric):
            total += Fraction(points[i] * criterion["weight"], criterion["max_score"])
        table.setdefault(application_id, []).append(total)
    out = {}
    for application_id, scores in table.items():
        kept = sorted(scores)[1:-1] if len(scores) >= 5 else scores
        out[application_id] = sum(kept) / len(kept)
    return out


@st.composite
def panels(draw):
    size = draw(st.integers(1, 6))
    weights = draw(st.lists(st.integers(1, 50), min_size=size, max_size=size))
    weights[-1] += 100 - sum(weights) if sum(weights) < 100 else 0
    rubric = [{"name": f"c{i}", "weight": w, "max_score": draw(st.integers(1, 100))} for i, w in enumerate(weights)]
    applications = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=6, unique=True))
    experts = draw(st.integers(1, 8))
    rows = []
    for application_id in applications:
        for expert_id in range(1, draw(st.integers(1, experts)) + 1):
            rows.append((application_id, expert_id,
                         [draw(st.integers(0, c["max_score"])) for c in rubric]))
    return rubric, rows


@settings(max_examples=200, deadline=None)
@given(panels(), st.randoms(use_true_random=False))
def test_the_ranking_is_order_independent_and_matches_a_direct_computation(panel, rnd: random.Random):
    rubric, rows = panel
    ranked = scoring.rank(rubric, rows)
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    assert scoring.rank(rubric, shuffled) == ranked
    expected = direct(rubric, rows)
    assert {r.application_id: r.score for r in ranked} == expected
    assert [r.application_id for r in ranked] == sorted(expected, key=lambda a: (-expected[a], a))
    for before, after in zip(ranked, ranked[1:], strict=False):
        assert before.score >= after.score and before.rank <= after.rank
