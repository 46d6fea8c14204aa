"""Related-term pairs proposed from people's grades, for an operator to accept or reject.

The misses of matching are mostly an industry's word for an academic one (a demand says 结焦, the
abstract 结渣). For each judged listing and each suggestion graded relevant (≥ 2), the words of the
suggestion that the listing lacks are paired with the listing's words that the suggestion lacks; a
pair is kept when its two words share a character (variants of one term: 结焦/结渣, 覆冰/结冰 — this cut
keeps out the many unrelated co-occurring words), when the suggestion's word separates the relevant
suggestions of that listing from the ones graded not relevant (it occurs in more of the former), and
when at least `min_support` relevant pairs support it. Pairs the table already relates are skipped.
Framework-free: the app and the feedback simulation call the same function.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from search.analysis import SynonymTable, tokens

RELEVANT = 2


@dataclass
class Proposal:
    terms: tuple[str, str]  #: (the judged listing's word, the relevant suggestion's word)
    support: int  #: relevant pairs where both words were present as described
    against: int  #: not-relevant suggestions (of the same listings) that hold the suggestion's word
    examples: list[tuple[str, str]] = field(default_factory=list)  #: (listing, suggestion) ids


def propose(texts: Mapping[str, str], judged: Mapping[str, Mapping[str, int]], table: SynonymTable | None = None,
            *, min_support: int = 2, limit: int = 50) -> list[Proposal]:
    """`texts`: document id → its text; `judged`: listing id → {suggestion id: grade}."""
    words = {doc: set(tokens(text)) for doc, text in texts.items()}
    support: Counter[tuple[str, str]] = Counter()
    against: Counter[tuple[str, str]] = Counter()
    examples: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for query, grades in judged.items():
        asked = words.get(query)
        if not asked:
            continue
        relevant = [d for d, g in grades.items() if g >= RELEVANT and d in words]
        others = [d for d, g in grades.items() if g == 0 and d in words]
        found_in = Counter(w for d in relevant for w in words[d])
        found_against = Counter(w for d in others for w in words[d])
        for doc in relevant:
            offered = words[doc] - asked
            missing = asked - words[doc]
            for term in offered:
                if found_in[term] <= found_against[term]:
                    continue  # does not separate relevant from not relevant for this listing
                for ask in missing:
                    if not set(ask) & set(term):
                        continue
                    if table is not None and term in table.related(ask):
                        continue
                    pair = (ask, term)
                    support[pair] += 1
                    against[pair] += found_against[term]
                    if len(examples[pair]) < 3:
                        examples[pair].append((query, doc))
    kept = [Proposal(pair, n, against[pair], examples[pair]) for pair, n in support.items() if n >= min_support]
    kept.sort(key=lambda p: (-(p.support - p.against), -p.support, p.terms))
    return kept[:limit]


def extended(table: SynonymTable, pairs: Iterable[tuple[str, str]], version: str) -> SynonymTable:
    """`table` with the accepted pairs added as groups of two."""
    return SynonymTable.from_rows([*map(sorted, table.groups), *map(list, pairs)], version)
