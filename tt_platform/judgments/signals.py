"""Implicit relevance signals: what people did with a pair of listings, read as grades.

A feature that records such an action registers a source from its own `init_app` (this floor knows
no feature). The weights are fixed and documented, not tuned: a matchmaking case that brought a
demand and a result together reads as 2 (relevant: a broker thought the pair worth working on),
a contract signed in that case (submitted or registered) as 3 (highly relevant). An explicit grade
of the same pair always wins over these.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

#: action → grade
WEIGHTS = {"case": 2, "contract": 3}

#: each yields (query_doc, target_doc, action) for every pair it knows of, in both directions
_SOURCES: list[Callable[[], Iterable[tuple[str, str, str]]]] = []


def register(source: Callable[[], Iterable[tuple[str, str, str]]]) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def implicit() -> dict[str, dict[str, int]]:
    """Per query listing, per other listing: the highest grade its recorded actions read as."""
    out: dict[str, dict[str, int]] = {}
    for source in _SOURCES:
        for query_doc, target_doc, action in source():
            grades = out.setdefault(query_doc, {})
            grades[target_doc] = max(grades.get(target_doc, 0), WEIGHTS[action])
    return out
