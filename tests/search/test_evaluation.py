"""The installation's metrics agree with the benchmark's scorer, by hand and against eval.py itself."""
from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path

import pytest

from search.evaluation import evaluate, score_query

EVAL_PY = Path(__file__).resolve().parents[3] / "shared" / "bench" / "eval.py"


def test_one_query_by_hand():
    judged = {"a": 3, "b": 2, "c": 0, "d": 1}
    ranking = ["x", "b", "a", "c"]
    figures = score_query(judged, ranking)
    dcg = (2 ** 2 - 1) / math.log2(3) + (2 ** 3 - 1) / math.log2(4)
    ideal = 7 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert figures["ndcg10"] == pytest.approx(dcg / ideal)
    assert figures["recall50"] == 1.0 and figures["mrr10"] == 0.5 and figures["unjudged10"] == 1.0


def test_queries_without_relevant_or_graded_documents_leave_the_means():
    scores = evaluate({"q1": {"a": 3}, "q2": {"b": 0}, "q3": {"c": 1}}, {"q1": ["a"], "q2": ["b"], "q3": ["z"]})
    assert scores.queries == 3
    assert scores.ndcg10 == pytest.approx((1.0 + 0.0) / 2)  # q2 (all grades 0) is out of the nDCG mean
    assert scores.recall50 == 1.0 and scores.mrr10 == 1.0  # only q1 has a relevant document
    assert evaluate({"q": {"a": 2}}, {}).ndcg10 == 0.0  # a query the run lacks scores 0


@pytest.mark.skipif(not EVAL_PY.exists(), reason="../shared/bench/eval.py is not beside the checkout")
def test_agrees_with_the_benchmark_scorer(tmp_path):
    rng = random.Random(7)
    docs = [f"d{i}" for i in range(80)]
    qrels = {f"q{q}": {d: rng.choice([0, 0, 1, 2, 3]) for d in rng.sample(docs, 25)} for q in range(12)}
    runs = {q: rng.sample(docs, 60) for q in list(qrels)[:-1]}  # the last query is missing from the run
    (tmp_path / "qrels.tsv").write_text("".join(f"{q}\t{d}\t{g}\n" for q, j in qrels.items() for d, g in j.items()))
    (tmp_path / "run.jsonl").write_text("".join(json.dumps({"query_id": q, "ranking": r}) + "\n"
                                                for q, r in runs.items()))
    out = subprocess.run([sys.executable, str(EVAL_PY), str(tmp_path / "qrels.tsv"), str(tmp_path / "run.jsonl"),
                          "--quiet"], capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    theirs = dict(part.split("=") for part in out.split())
    ours = evaluate(qrels, runs)
    assert float(theirs["nDCG@10"]) == pytest.approx(ours.ndcg10, abs=1e-4)
    assert float(theirs["Recall@50"]) == pytest.approx(ours.recall50, abs=1e-4)
    assert float(theirs["MRR@10"]) == pytest.approx(ours.mrr10, abs=1e-4)
