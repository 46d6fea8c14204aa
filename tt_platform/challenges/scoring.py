"""Aggregating expert scores into a ranking. Pure functions over plain values, exact arithmetic.

Each expert's score of an application is the weighted sum of their points, every criterion scaled to
its weight: Σ points_i / max_i × weight_i, on a 0–100 scale. An application's result is the mean of
its experts' scores; when five or more experts scored it, the single highest and the single lowest
expert score are dropped first (the usual rule of Chinese review panels, stated on the page).
Fractions keep every step exact, so the result does not depend on the order scores arrive in."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

#: From this many expert scores on, the highest and the lowest are dropped.
TRIM_FROM = 5


@dataclass(frozen=True)
class Ranked:
    application_id: int
    score: Fraction  #: 0–100, exact
    experts: int  #: how many expert scores were given
    counted: int  #: how many went into the mean
    rank: int

    @property
    def shown(self) -> Decimal:
        """The score as shown: two decimals, half up."""
        return (Decimal(self.score.numerator) / Decimal(self.score.denominator)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)


def expert_score(rubric: Sequence[dict], points: Sequence[int]) -> Fraction:
    """One expert's weighted score of one application, 0–100."""
    return sum((Fraction(p, c["max_score"]) * c["weight"] for c, p in zip(rubric, points, strict=True)),
               Fraction(0))


def combine(scores: Iterable[Fraction]) -> tuple[Fraction, int]:
    """The mean of the expert scores, highest and lowest dropped from TRIM_FROM scores on; and how
    many scores were counted."""
    ordered = sorted(scores)
    if len(ordered) >= TRIM_FROM:
        ordered = ordered[1:-1]
    if not ordered:
        return Fraction(0), 0
    return sum(ordered, Fraction(0)) / len(ordered), len(ordered)


def rank(rubric: Sequence[dict], rows: Iterable[tuple[int, int, Sequence[int]]]) -> list[Ranked]:
    """`rows` are (application id, expert id, points); the ranking, best first. Ties share the rank
    and are listed by application id (the earlier application first)."""
    by_application: dict[int, list[Fraction]] = defaultdict(list)
    for application_id, _expert_id, points in rows:
        by_application[application_id].append(expert_score(rubric, points))
    results = [(application_id, *combine(scores), len(scores)) for application_id, scores in by_application.items()]
    results.sort(key=lambda r: (-r[1], r[0]))
    ranked: list[Ranked] = []
    for position, (application_id, score, counted, experts) in enumerate(results, start=1):
        tied = ranked and ranked[-1].score == score
        ranked.append(Ranked(application_id, score, experts, counted, ranked[-1].rank if tied else position))
    return ranked
