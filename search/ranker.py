"""A learned re-ranker: a ridge regression of people's grades on each match's features.

Features, all independent of the tuned weights: where each channel put the listing (reciprocal rank,
first place = 1, and the score relative to the channel's best), the fused text score, the structured
fit (field, maturity, price, modes, region, freshness, each as its value in [-1, 1]) and whether the
dense channel had no vector for it. The model re-orders the candidates the fusion found; it never adds
any. Ridge regression has a closed form, so the same judgments give the same model (reproducible), and
its one constant (the penalty, 1 per training pair on standardised features) is not tuned.

Whether the model is used is decided by cross-validation by query (`cross_validate`): it must beat the
untuned fusion by at least `MIN_GAIN` nDCG@10, on at least `MIN_PAIRS` judged pairs, and not fall
below the ranking it would replace.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from search.evaluation import score_query
from search.matching import CHANNEL_NAMES, RRF_K, Match, Weights

MIN_GAIN = 0.02
MIN_PAIRS = 200
FOLDS = 5
FIT_KEYS = ("field", "maturity", "price", "modes", "region", "freshness")
FEATURES = (*(f"{c}_rank" for c in CHANNEL_NAMES), *(f"{c}_score" for c in CHANNEL_NAMES), "fused",
            *FIT_KEYS, "no_vector")


def features(m: Match, weights: Weights) -> list[float]:
    out = []
    for name in CHANNEL_NAMES:
        rank = m.channels.get(name, (None, 0.0))[0]
        out.append((RRF_K + 1) / (RRF_K + rank) if rank else 0.0)
    out.extend(m.channels.get(name, (None, 0.0))[1] for name in CHANNEL_NAMES)
    out.append(m.text_score)
    by_key = {c.key: c.score for c in m.components}
    for key in FIT_KEYS:
        weight = getattr(weights, key)
        out.append(by_key.get(key, 0.0) / weight if weight else 0.0)
    out.append(1.0 if m.unseen_dense else 0.0)
    return out


@dataclass
class LinearRanker:
    mean: list[float]
    scale: list[float]
    weights: list[float]
    intercept: float
    ridge: float
    features: tuple[str, ...] = FEATURES

    def predict(self, rows: np.ndarray) -> np.ndarray:
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        return z @ np.asarray(self.weights) + self.intercept

    def rerank(self, matches: Sequence[Match], weights: Weights) -> list[Match]:
        if not matches:
            return list(matches)
        scores = self.predict(np.asarray([features(m, weights) for m in matches], dtype=np.float64))
        order = sorted(range(len(matches)), key=lambda i: (-scores[i], i))  # ties keep the fusion's order
        return [matches[i] for i in order]

    def strongest(self, n: int = 3) -> list[tuple[str, float]]:
        """The features that weigh most (standardised weights), strongest first."""
        pairs = sorted(zip(self.features, self.weights, strict=True), key=lambda p: -abs(p[1]))
        return [(name, round(weight, 3)) for name, weight in pairs[:n] if weight]


def fit(rows: np.ndarray, grades: np.ndarray, ridge_per_pair: float = 1.0) -> LinearRanker:
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale == 0] = 1.0
    z = (rows - mean) / scale
    target = grades - grades.mean()
    penalty = ridge_per_pair * len(rows)
    weights = np.linalg.solve(z.T @ z + penalty * np.eye(z.shape[1]), z.T @ target)
    return LinearRanker(mean=mean.tolist(), scale=scale.tolist(), weights=weights.tolist(),
                        intercept=float(grades.mean()), ridge=ridge_per_pair)


@dataclass
class QueryData:
    """One judged query: the fusion's candidates (in its order) and the untuned fusion's ranking."""

    judged: Mapping[str, int]
    candidates: list[Match]
    untuned: list[str]


@dataclass
class Decision:
    pairs: int
    queries: int
    cv_learned: float
    cv_untuned: float
    cv_live: float
    enabled: bool
    reason: str
    judgments_sha256: str
    model: dict | None = None
    strongest: list = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _ndcg(judged: Mapping[str, int], ranking: Sequence[str]) -> float:
    value = score_query(judged, ranking)["ndcg10"]
    return 0.0 if math.isnan(value) else value


def _matrix(queries: Sequence[QueryData], weights: Weights) -> tuple[np.ndarray, np.ndarray]:
    rows, grades = [], []
    for q in queries:
        for m in q.candidates:
            if m.doc_id in q.judged:
                rows.append(features(m, weights))
                grades.append(q.judged[m.doc_id])
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES)), np.asarray(grades, dtype=np.float64)


def judgments_hash(data: Mapping[str, QueryData]) -> str:
    canonical = json.dumps({q: sorted(d.judged.items()) for q, d in sorted(data.items())}, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def cross_validate(data: Mapping[str, QueryData], weights: Weights, *, folds: int = FOLDS,
                   min_pairs: int | None = None, min_gain: float = MIN_GAIN) -> Decision:
    """Fit on all but one fold of queries, score the held-out fold; then fit the model on everything.
    Queries are dealt to folds in the order of their ids (deterministic)."""
    min_pairs = MIN_PAIRS if min_pairs is None else min_pairs
    qids = sorted(q for q, d in data.items() if any(g > 0 for g in d.judged.values()))
    pairs = sum(sum(1 for m in data[q].candidates if m.doc_id in data[q].judged) for q in qids)
    learned, untuned, live = [], [], []
    k = min(folds, len(qids))
    for fold in range(k):
        held = qids[fold::k]
        train = [data[q] for q in qids if q not in held]
        rows, grades = _matrix(train, weights)
        model = fit(rows, grades) if len(rows) > len(FEATURES) and grades.std() > 0 else None
        for q in held:
            d = data[q]
            order = model.rerank(d.candidates, weights) if model else d.candidates
            learned.append(_ndcg(d.judged, [m.doc_id for m in order]))
            untuned.append(_ndcg(d.judged, d.untuned))
            live.append(_ndcg(d.judged, [m.doc_id for m in d.candidates]))

    def mean(values):
        return sum(values) / len(values) if values else 0.0

    decision = Decision(pairs=pairs, queries=len(qids), cv_learned=round(mean(learned), 4),
                        cv_untuned=round(mean(untuned), 4), cv_live=round(mean(live), 4), enabled=False, reason="",
                        judgments_sha256=judgments_hash(data))
    if pairs < min_pairs:
        decision.reason = f"{pairs} judged pairs, fewer than {min_pairs}"
    elif decision.cv_learned < decision.cv_untuned + min_gain:
        decision.reason = f"cross-validated gain over the untuned fusion below {min_gain}"
    elif decision.cv_learned < decision.cv_live:
        decision.reason = "worse than the ranking it would replace"
    else:
        decision.enabled, decision.reason = True, "beats the untuned fusion under cross-validation"
    rows, grades = _matrix([data[q] for q in qids], weights)
    if len(rows) > len(FEATURES) and grades.std() > 0:
        model = fit(rows, grades)
        decision.model = asdict(model) | {"features": list(FEATURES)}
        decision.strongest = model.strongest()
    elif decision.enabled:
        decision.enabled, decision.reason = False, "too few graded pairs to fit"
    return decision


def load(model: Mapping) -> LinearRanker:
    return LinearRanker(mean=list(model["mean"]), scale=list(model["scale"]), weights=list(model["weights"]),
                        intercept=float(model["intercept"]), ridge=float(model["ridge"]),
                        features=tuple(model["features"]))
