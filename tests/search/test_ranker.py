"""The learned re-ranker: reproducible, and switched on only when cross-validation shows it helps."""
from __future__ import annotations

import random

import numpy as np

from search import ranker
from search.matching import DEFAULT_WEIGHTS, Component, Match


def candidate(n: int, same_region: bool, rank: int) -> Match:
    """A fused candidate: the word channel ranks it `rank`; its region agrees with the demand's or not."""
    return Match(doc_id=f"achievement:{n}", score=1 / rank, text_score=1 / rank, shared_terms=[],
                 components=[Component("region", DEFAULT_WEIGHTS.region * (1.0 if same_region else 0.0))],
                 channels={"words": (rank, 1 / rank), "bigrams": (rank, 1 / rank)})


def world(signal: bool, queries: int = 12, per_query: int = 20, seed: int = 3) -> dict[str, ranker.QueryData]:
    """People grade by region agreement (`signal`) or at random; the fusion's order knows nothing of it."""
    rng = random.Random(seed)
    data = {}
    for q in range(queries):
        matches, judged = [], {}
        for rank in range(1, per_query + 1):
            n = q * 100 + rank
            same = rng.random() < 0.3
            matches.append(candidate(n, same, rank))
            judged[f"achievement:{n}"] = (3 if same else 0) if signal else rng.choice([0, 1, 2, 3])
        data[f"demand:{q}"] = ranker.QueryData(judged=judged, candidates=matches,
                                               untuned=[m.doc_id for m in matches])
    return data


def test_a_learnable_preference_switches_the_model_on_and_it_weighs_that_feature():
    decision = ranker.cross_validate(world(signal=True), DEFAULT_WEIGHTS, min_pairs=100)
    assert decision.enabled, decision.reason
    assert decision.cv_learned >= decision.cv_untuned + ranker.MIN_GAIN
    assert decision.strongest[0][0] == "region"


def test_grades_the_features_cannot_explain_keep_it_off():
    decision = ranker.cross_validate(world(signal=False), DEFAULT_WEIGHTS, min_pairs=100)
    assert not decision.enabled and "below" in decision.reason


def test_too_few_judged_pairs_keep_it_off_however_good():
    decision = ranker.cross_validate(world(signal=True, queries=5, per_query=10), DEFAULT_WEIGHTS)
    assert decision.pairs <= 50 and not decision.enabled and "fewer than 200" in decision.reason
    assert decision.cv_learned > decision.cv_untuned  # it would have helped: the pair minimum alone says no


def test_the_same_judgments_give_the_same_model():
    first = ranker.cross_validate(world(signal=True), DEFAULT_WEIGHTS, min_pairs=0)
    second = ranker.cross_validate(world(signal=True), DEFAULT_WEIGHTS, min_pairs=0)
    assert first.model == second.model and first.judgments_sha256 == second.judgments_sha256
    model = ranker.load(first.model)
    reordered = model.rerank(world(signal=True)["demand:0"].candidates, DEFAULT_WEIGHTS)
    regions = [m.components[0].score > 0 for m in reordered]
    assert regions == sorted(regions, reverse=True)  # every same-region candidate first
    rows = np.asarray([ranker.features(m, DEFAULT_WEIGHTS) for m in reordered])
    assert rows.shape == (20, len(ranker.FEATURES))
