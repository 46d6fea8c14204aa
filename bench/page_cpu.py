"""CPU per page, in-process, with the page caches off and on, alternating (issue 21's browse and match pages).

    .venv/bin/python bench/page_cpu.py --attach STATE.json [--runs 3] [--browse 200] [--search 100] [--match 60]

Attaches to a platform that `bench/harness.py --serve STATE.json` runs (its PostgreSQL, index, vectors and
settings), builds the app in this process and requests pages through Flask's test client: no HTTP, no
gunicorn, so the figure is the app's own CPU per request (time.process_time, all of this process's threads;
PostgreSQL's CPU is not in it), which is what bounds a 2-core server's throughput. The pages follow
bench/load.py's classes with a fixed seed: browse (a list page, a page 2–40, a field filter, newest first),
search (one or two keywords), match (a match page both ways, as the enterprise or the university, over
`--match-pool` listings of each side: bench/load.py draws from every published listing, where nearly every
match page is a first view). Each run starts with empty caches, so the 'on' figures include the misses that
fill them; `GET /healthz` in the same process is the anchor. Prints one JSON line per run and a summary.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import Platform  # noqa: E402
from bench.load import browse_path, cpu_model, match_path, search_path  # noqa: E402
from bench.synthetic import vocabulary  # noqa: E402


def _cpu_ms(client_for, requests: list[tuple[str, str | None]]) -> tuple[float, int]:
    """CPU ms per request over `requests` ((path, who)), and how many came from the page cache."""
    hits = 0
    started = time.process_time()
    for path, who in requests:
        response = client_for(who).get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} as {who}: {response.status_code}")
        hits += response.headers.get("X-Page-Cache") == "hit"
    return (time.process_time() - started) * 1000 / len(requests), hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attach", required=True, metavar="STATE.json")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browse", type=int, default=200)
    parser.add_argument("--search", type=int, default=100)
    parser.add_argument("--match", type=int, default=60)
    parser.add_argument("--match-pool", type=int, default=20, help="listings of each side the match pages draw from")
    args = parser.parse_args()

    p = Platform.load(Path(args.attach))
    import os

    os.environ.update(p.env)
    from flask_login import FlaskLoginClient

    from tt_platform import create_app, page_cache
    from tt_platform.accounts.models import User
    from tt_platform.database import db

    app = create_app()
    app.test_client_class = FlaskLoginClient
    clients = {None: app.test_client()}
    with app.app_context():
        import sqlalchemy as sa

        for email in ("enterprise@demo.example.cn", "university@demo.example.cn"):
            clients[email] = app.test_client(user=db.session.scalar(sa.select(User).where(User.email == email)))
    keywords, _sentences = vocabulary()
    pool = random.Random(7)
    demands = pool.sample(p.fixtures["demand_ids"], min(args.match_pool, len(p.fixtures["demand_ids"])))
    results = pool.sample(p.fixtures["achievement_ids"], min(args.match_pool, len(p.fixtures["achievement_ids"])))

    def warm():  # imports, the model, the index reader, the term table: not part of any figure
        for path in ("/results/", "/demands/?q=" + keywords[0], f"/matches/result/{results[0]}"):
            clients["university@demo.example.cn" if "matches" in path else None].get(path)

    warm()
    rows = []
    for run in range(args.runs):
        rng = random.Random(run)
        plan = {"browse": [(browse_path(rng), None) for _ in range(args.browse)],
                "search": [(search_path(rng, keywords), None) for _ in range(args.search)],
                "match": [match_path(rng, demands, results) for _ in range(args.match)],
                "anchor": [("/healthz", None)] * 200}
        for mode in (("off", "on") if run % 2 == 0 else ("on", "off")):
            app.config["PAGE_CACHE_ENTRIES"] = 0 if mode == "off" else 2000
            with app.app_context():
                page_cache.clear_all()
            row = {"run": run, "mode": mode}
            for name, requests in plan.items():
                row[name + "_ms"], hits = _cpu_ms(lambda who: clients[who], requests)
                row[name + "_ms"] = round(row[name + "_ms"], 2)
                if name in ("browse", "search"):
                    row[name + "_hits"] = hits
            with app.app_context():
                rankings = page_cache.cache("rankings")
                row["match_ranking_hits"] = rankings.hits
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(cpu_model())
    for name in ("browse", "search", "match", "anchor"):
        off = [r[name + "_ms"] for r in rows if r["mode"] == "off"]
        on = [r[name + "_ms"] for r in rows if r["mode"] == "on"]
        print(f"{name:7s} off {' / '.join(f'{v:.2f}' for v in off)} ms   on {' / '.join(f'{v:.2f}' for v in on)} ms"
              f"   ratio {sum(off) / max(sum(on), 1e-9):.1f}x")


if __name__ == "__main__":
    main()
