"""Ranking metrics over graded judgments, as `../shared/bench/eval.py` defines them (framework-free).

nDCG@10 with gain 2^grade − 1 and the ideal ranking built from every judged document of the query;
Recall@50 and MRR@10 with relevant meaning grade ≥ `rel_min`; unjudged@10 counts top-10 documents
without a judgment. A query with no relevant document is left out of the Recall and MRR means, one
whose judged documents all have grade 0 out of the nDCG mean; a query the run lacks scores 0.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Scores:
    queries: int = 0
    ndcg10: float = 0.0
    recall50: float | None = None
    mrr10: float | None = None
    unjudged10: float = 0.0
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)


def _dcg(gains: Sequence[int]) -> float:
    return sum((2 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))


def score_query(judged: Mapping[str, int], ranking: Sequence[str], rel_min: int = 2) -> dict[str, float]:
    top10 = list(ranking[:10])
    ideal = _dcg(sorted(judged.values(), reverse=True)[:10])
    out = {"ndcg10": _dcg([judged.get(d, 0) for d in top10]) / ideal if ideal > 0 else math.nan,
           "unjudged10": float(sum(1 for d in top10 if d not in judged))}
    relevant = {d for d, g in judged.items() if g >= rel_min}
    if relevant:
        out["recall50"] = len(relevant & set(ranking[:50])) / len(relevant)
        out["mrr10"] = next((1 / (rank + 1) for rank, d in enumerate(top10) if d in relevant), 0.0)
    return out


def evaluate(qrels: Mapping[str, Mapping[str, int]], runs: Mapping[str, Sequence[str]], rel_min: int = 2) -> Scores:
    per_query = {qid: score_query(judged, runs.get(qid, []), rel_min) for qid, judged in qrels.items()}

    def mean(key: str) -> float | None:
        values = [s[key] for s in per_query.values() if key in s and not math.isnan(s[key])]
        return sum(values) / len(values) if values else None

    return Scores(queries=len(per_query), ndcg10=mean("ndcg10") or 0.0, recall50=mean("recall50"),
                  mrr10=mean("mrr10"), unjudged10=mean("unjudged10") or 0.0, per_query=per_query)
