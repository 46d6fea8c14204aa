"""Feedback simulation: does the learned re-ranker learn from people's grades?

On the public dev set, half the demands' judgments play the grades brokers would give (the training
feedback) and the other half measure; repeated over random splits. Reported per split and as mean ±
standard deviation of nDCG@10 on the measured half: the untuned fusion, the shipped ranking, and the
shipped ranking re-ordered by the ridge ranker trained on the feedback half (search/ranker.py, the model
`flask match train` fits). The ranker's own switch (cross-validated on the feedback half only) is
reported too, as it would have decided on that feedback.

    .venv/bin/python bench/feedback.py [--splits 20]     (about 2 minutes on 2 cores)
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.crossval import UNTUNED, cpu_model, dev_engine  # noqa: E402
from bench.csl import csl_listings  # noqa: E402
from search import term_proposals  # noqa: E402
from search.matching import DEFAULT_WEIGHTS, match  # noqa: E402
from search.ranker import QueryData, _matrix, _ndcg, cross_validate, fit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--splits", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    with dev_engine() as (backend, dense, synonyms, queries, qrels):
        data: dict[str, QueryData] = {}
        mq_of = dict(queries)
        texts = {f"achievement:{n}": f"{doc.title} {' '.join(doc.keywords)} {doc.text}"
                 for n, doc in enumerate(csl_listings(), start=1)}
        texts |= {qid: f"{mq.title} {' '.join(mq.keywords)} {mq.text}" for qid, mq in queries}
        for qid, mq in queries:
            found = match(backend, mq, limit=50, synonyms=synonyms, dense=dense, explain=False)
            plain = match(backend, mq, limit=50, weights=UNTUNED, dense=dense, explain=False)
            by_doc = {m.doc_id: m.listing.external_ref for m in (*found, *plain)}
            ref_to_doc = {ref: doc for doc, ref in by_doc.items()}
            judged = {ref_to_doc[ref]: g for ref, g in qrels.get(qid, {}).items() if ref in ref_to_doc}
            # a judged record neither ranking found keeps its external id: it counts in the ideal ranking
            judged |= {ref: g for ref, g in qrels.get(qid, {}).items() if ref not in ref_to_doc}
            data[qid] = QueryData(judged=judged, candidates=found, untuned=[m.doc_id for m in plain])
        report(data, args, backend, dense, synonyms, mq_of, texts, started)


def report(data, args, backend, dense, synonyms, mq_of, texts, started) -> None:
    qids = sorted(data)
    rng = random.Random(20261207)
    rows = {"untuned fusion": [], "shipped ranking": [], "shipped + learned ranker": [],
            "shipped + proposed terms": [], "shipped + proposed terms + learned ranker": []}
    proposals_made = []
    switched_on = 0
    for _split in range(args.splits):
        feedback = set(rng.sample(qids, len(qids) // 2))
        measured = [q for q in qids if q not in feedback]
        train = [data[q] for q in sorted(feedback)]
        x, y = _matrix(train, DEFAULT_WEIGHTS)
        model = fit(x, y)
        decision = cross_validate({q: data[q] for q in feedback}, DEFAULT_WEIGHTS, min_pairs=0)
        switched_on += decision.enabled
        rows["untuned fusion"].append(np.mean([_ndcg(data[q].judged, data[q].untuned) for q in measured]))
        rows["shipped ranking"].append(np.mean([_ndcg(data[q].judged, [m.doc_id for m in data[q].candidates])
                                                for q in measured]))
        rows["shipped + learned ranker"].append(np.mean([
            _ndcg(data[q].judged, [m.doc_id for m in model.rerank(data[q].candidates, DEFAULT_WEIGHTS)])
            for q in measured]))
        # every proposal accepted, as an operator who trusts it would: the table grows, the other half measures
        proposals = term_proposals.propose(texts, {q: data[q].judged for q in feedback}, synonyms)
        proposals_made.append(len(proposals))
        table = term_proposals.extended(synonyms, [p.terms for p in proposals], "simulated")
        with_terms = {q: match(backend, mq_of[q], limit=50, synonyms=table, dense=dense, explain=False)
                      for q in measured}
        rows["shipped + proposed terms"].append(np.mean([
            _ndcg(data[q].judged, [m.doc_id for m in with_terms[q]]) for q in measured]))
        rows["shipped + proposed terms + learned ranker"].append(np.mean([
            _ndcg(data[q].judged, [m.doc_id for m in model.rerank(with_terms[q], DEFAULT_WEIGHTS)])
            for q in measured]))
    print(f"CPU: {cpu_model()} · {len(qids)} dev demands, {args.splits} random splits into 10 feedback + 10 "
          f"measured · {time.perf_counter() - started:.0f} s")
    for label, values in rows.items():
        print(f"{label:28} nDCG@10 on the measured half: {statistics.mean(values):.4f} ± "
              f"{statistics.stdev(values):.4f} (sd over splits)")
    gains = [a - b for a, b in zip(rows["shipped + learned ranker"], rows["untuned fusion"], strict=True)]
    print(f"learned ranker − untuned fusion: {statistics.mean(gains):+.4f} ± {statistics.stdev(gains):.4f}; the "
          f"ranker's own cross-validated switch (on the feedback half, pair minimum waived) turned it on in "
          f"{switched_on} of {args.splits} splits; {statistics.mean(proposals_made):.1f} term pairs proposed per split")


if __name__ == "__main__":
    main()
