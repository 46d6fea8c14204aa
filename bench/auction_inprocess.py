"""What one auction request costs in-process (issue 18): a bid by API token and a conditional read (304) of
the auction, through the whole Flask stack (token, user, permission, limiter, security headers, the
service, the commit) without HTTP or gunicorn — CPU and wall time per request, SQL statements per request.

    bash scripts/with-postgres.sh .venv/bin/python bench/auction_inprocess.py [--bids 400] [--reads 2000]
    .venv/bin/python bench/auction_inprocess.py --profile bid   # cProfile of the bids, top functions

On PostgreSQL when TT_TEST_DATABASE_URL is set (a database of its own is created and dropped), else on a
SQLite file. One auction, 20 bidders with confirmed deposits and API tokens; bidders bid in turn at the
minimum (each bid goes in: the bidder never leads when its turn comes); then each bidder polls with the
ETag it holds (every read a 304) and reads in full (a 200). CPU time is this process's (the database
server's is not in it); wall time includes the round trips to the server. Medians over the requests,
after a warm-up. The CPU model is printed with the figures (see bench/README.md, the CPU-model rule).
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench.load import cpu_model  # noqa: E402
from tests.factories import make_achievement, make_operator, make_org, make_user  # noqa: E402
from tests.own_database import own_app  # noqa: E402
from tt_platform.accounts.models import OrgKind  # noqa: E402
from tt_platform.api import tokens  # noqa: E402
from tt_platform.database import db, utcnow  # noqa: E402
from tt_platform.trading import auctions  # noqa: E402

WAN = 1_000_000
BIDDERS = 20


def auction_with_bidders(bidders: int, *, start_fen: int, increment_fen: int, window_minutes: int,
                         hours: int = 2) -> tuple[auctions.Auction, list[str]]:
    """One auction of a result (opening in a minute, ending in `hours`) and `bidders` verified enterprises,
    each registered with its deposit confirmed and an API token (the secrets, returned); flushed, not
    committed. Also what bench/auction_load.py sets up in its child process."""
    seller = make_user(make_org(OrgKind.UNIVERSITY, name="压测拍卖大学"), admin=True)
    result = make_achievement(seller.organisation, title="压测拍卖成果：高强韧铝合金连续挤压工艺")
    operator = make_operator()
    now = utcnow()
    auction = auctions.create(seller, result, auctions.AuctionData(
        start_price_fen=start_fen, increment_fen=increment_fen, reserve_fen=None, reserve_shown=False,
        deposit_fen=WAN, subtype_code="TRF-01", payment_mode="lump_sum", starts_at=now + dt.timedelta(minutes=1),
        ends_at=now + dt.timedelta(hours=hours), extension_minutes=window_minutes, contact="成果转化处 021-66668888"))
    secrets = []
    for n in range(bidders):
        user = make_user(make_org(OrgKind.ENTERPRISE, name=f"压测竞买公司{n:02d}"))
        registration = auctions.register(user, auction)
        auctions.confirm_deposit(operator, auction, registration.id, f"BANK-{n:04d}")
        secrets.append(tokens.issue(user, "auction load")[1])
    db.session.flush()
    return auction, secrets


class Counter:
    """Counts the SQL statements sent (before_cursor_execute), keeping the last request's text."""

    def __init__(self):
        self.n, self.last = 0, []

    def __call__(self, conn, cursor, statement, *args):
        if self.n == 0:
            self.last = []
        self.n += 1
        self.last.append(" ".join(statement.split())[:160])


def measure(client, counter: Counter, calls, warmup: int, profile: cProfile.Profile | None) -> dict:
    cpu, wall, statements = [], [], []
    for i, call in enumerate(calls):
        counter.n = 0
        if profile is not None and i >= warmup:
            profile.enable()
        c0, w0 = time.process_time(), time.perf_counter()
        call(client)
        c1, w1 = time.process_time(), time.perf_counter()
        if profile is not None:
            profile.disable()
        if i >= warmup:
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
            statements.append(counter.n)
    return {"n": len(cpu), "cpu_ms_median": round(statistics.median(cpu), 2),
            "cpu_ms_mean": round(statistics.fmean(cpu), 2), "wall_ms_median": round(statistics.median(wall), 2),
            "statements_median": statistics.median(statements), "statements_max": max(statements)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bids", type=int, default=400)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--profile", choices=("bid", "read", "full"), default=None)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--show-sql", action="store_true", help="print the statements of the last bid and read")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, own_app(Path(tmp), TESTING=False, SEARCH_EMBEDDINGS="off",
                                                       SEARCH_DRAIN_IN_REQUEST=False) as app:
        with app.app_context():
            auction, secrets = auction_with_bidders(BIDDERS, start_fen=100 * WAN, increment_fen=WAN // 10,
                                                    window_minutes=1)
            auction.starts_at = utcnow() - dt.timedelta(seconds=1)
            auction_id = auction.id
            db.session.commit()
        counter = Counter()
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", counter)
        client = app.test_client()
        auth = [{"Authorization": f"Bearer {s}"} for s in secrets]
        path = f"/api/v1/auctions/{auction_id}"
        state = {"amount": 100 * WAN}

        def bid(k):
            def call(c):
                response = c.post(f"{path}/bids", headers=auth[k % BIDDERS], json={"amount_fen": state["amount"]})
                assert response.status_code == 201, response.get_data(as_text=True)
                state["headers"] = dict(response.headers)
                state["amount"] += WAN // 10
            return call

        etags = {}

        def read(k, conditional):
            def call(c):
                headers = auth[k % BIDDERS]
                if conditional:
                    headers = {**headers, "If-None-Match": etags[k % BIDDERS]}
                response = c.get(path, headers=headers)
                assert response.status_code == (304 if conditional else 200), response.status_code
                etags[k % BIDDERS] = response.headers["ETag"].strip('"')
            return call

        warm = 20
        bid_profile = cProfile.Profile(time.process_time) if args.profile == "bid" else None
        bids = measure(client, counter, [bid(k) for k in range(args.bids + warm)], warm, bid_profile)
        bid_sql = counter.last
        full_profile = cProfile.Profile(time.process_time) if args.profile == "full" else None
        full = measure(client, counter, [read(k, False) for k in range(200 + BIDDERS)], BIDDERS, full_profile)
        read_profile = cProfile.Profile(time.process_time) if args.profile == "read" else None
        conditional = measure(client, counter, [read(k, True) for k in range(args.reads + warm)], warm,
                              read_profile)
        read_sql = counter.last
        healthz = measure(client, counter, [lambda c: c.get("/healthz") for _ in range(args.reads // 2 + warm)],
                          warm, None)
        print(json.dumps({"cpu": cpu_model(), "database": app.config["DATABASE_URL"].split(":", 1)[0], "bid": bids,
                          "read_304": conditional, "read_200": full, "anchor_healthz": healthz}, indent=1))
        if args.show_sql:
            print("--- a bid's response headers ---", json.dumps(state["headers"], indent=1),
                  "--- a bid's statements ---", *bid_sql, "--- a 304 read's statements ---", *read_sql, sep="\n")
        for profile in (bid_profile, full_profile, read_profile):
            if profile is not None:
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
                out.write("\n--- by own time ---\n")
                pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
                print(out.getvalue())



if __name__ == "__main__":
    main()
