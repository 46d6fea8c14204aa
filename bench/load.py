"""Load benchmark (issue 21): the platform in its production layout under a bounded mix at rising concurrency.

    .venv/bin/python bench/load.py                       # what `make bench-load` runs: 100k listings,
                                                         # 60 s per level, then the 10-minute soak
    .venv/bin/python bench/load.py --listings 0 --duration 10 --levels 1,4 --soak 0    # a smoke run

bench/harness.py starts a throwaway PostgreSQL, the demo scaled to `--listings`, the single index writer
(`flask search drain --loop --interval 1`) and gunicorn with 2 workers. Then:

1. the anchor: `GET /healthz` (routing, the session and security headers, no database, no template) alone,
   one connection, for `--anchor` seconds. Every class's p50 is also given as a multiple of the anchor's p50,
   so runs on different CPUs and on a busy or quiet machine can be compared (bench/README.md, method).
2. for each concurrency in `--levels`, `--duration` seconds of the mix: that many closed-loop virtual users
   (no think time, one keep-alive connection each), each request drawn by weight from the classes below.
   Per class: requests, req/s, p50/p95/p99, errors (a wrong status, a refused form, a broken connection);
   then the lowest concurrency at which each class's p95 passed 50 ms.
3. with `--only browse` (or any class) the same levels with that class alone: its capacity, for the
   targets (≥ 500 req/s browse, ≥ 200 req/s match, at p95 ≤ 50 ms, without errors).
4. the write-visibility check, in every level: each new demand is created and submitted by the enterprise
   and approved by the operator; a checker then searches `/demands/?q=<its unique word>` anonymously until
   the demand is listed. Each delay is measured from the approval's response; the documented bound is
   `VISIBLE_WITHIN` (the drain's 1 s interval plus one drain).
5. `--soak S`: S seconds of the mix at a capped rate (`--soak-rate`, default half of the best mix throughput
   with p95 ≤ 50 ms), gunicorn workers' RSS sampled every 30 s (start, end and the samples in the JSON).

The load generator runs on the same machine as the server. On the 2-core machines it shares the cores with
gunicorn, PostgreSQL and the drain, so the CPU seconds of each are reported per level; `--server-cpus` and
`--client-cpus` pin them with taskset / sched_setaffinity where more cores exist. It is a small threaded
client on http.client (stdlib): about 60 µs of client CPU a request, no extra dependency, and one thread per
virtual user is easy to reason about as closed-loop concurrency. Results: bench/out/load-<time>.json.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import itertools
import json
import os
import random
import re
import resource
import signal
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import Platform, platform  # noqa: E402
from bench.speed import pct  # noqa: E402
from bench.synthetic import vocabulary  # noqa: E402

P95_LIMIT_MS = 50.0
VISIBLE_WITHIN = 3.0  # seconds from the approval's response to the demand appearing in search (README)
DEFAULT_LEVELS = "1,2,4,8,16,32"
#: the bounded mix: class → weight (share of requests drawn); writes are a few per cent, as on a live site
MIX = {"browse": 30, "search": 22, "match": 18, "dashboard": 8, "api_match": 16, "write": 6}
ENTERPRISE, UNIVERSITY, BROKER, OPERATOR = ("enterprise@demo.example.cn", "university@demo.example.cn",
                                            "broker@demo.example.cn", "operator@demo.example.cn")
CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')


class Failed(Exception):
    """A request that did not do what it should (wrong status, refused form)."""


# --- HTTP ---------------------------------------------------------------------------------------------

class Client:
    """One keep-alive connection; `request` returns (status, headers, body) and reconnects after errors."""

    def __init__(self, base_url: str):
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        reused = self.conn is not None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()
            self.conn = None
            if not reused:
                raise
            # the server closed an idle keep-alive connection just as we sent: a new one, once (as browsers do)
            return self.request(method, path, body=body, headers=headers)
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, response, data


def form(data: dict) -> tuple[bytes, dict]:
    return urllib.parse.urlencode(data, doseq=True).encode(), {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Session:
    """A logged-in demo user: the session cookie (never replaced: flashes stay out of it) and a CSRF token."""

    email: str
    cookie: str
    csrf: str

    @property
    def headers(self) -> dict:
        return {"Cookie": self.cookie}


def login(base_url: str, email: str, password: str) -> Session:
    client = Client(base_url)
    status, response, page = client.request("GET", "/login")
    cookie = _cookie(response)
    token = CSRF.search(page.decode()).group(1)
    body, headers = form({"email": email, "password": password, "csrf_token": token})
    status, response, _page = client.request("POST", "/login", body=body, headers={**headers, "Cookie": cookie})
    if status != 302:
        raise SystemExit(f"login of {email} failed: HTTP {status}")
    cookie = _cookie(response) or cookie
    # a form page puts the session's CSRF secret into the cookie: keep that cookie from then on
    status, response, page = client.request("GET", "/account/tokens/", headers={"Cookie": cookie})
    cookie = _cookie(response) or cookie
    return Session(email, cookie, CSRF.search(page.decode()).group(1))


def _cookie(response) -> str:
    jar = [h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie") or []]
    return "; ".join(c for c in jar if not c.endswith("="))


# --- the mix ------------------------------------------------------------------------------------------

@dataclass
class Stats:
    """Latencies (ms) and errors by class; thread-safe appends."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, ms: float, error: str | None = None) -> None:
        with self.lock:
            if error is None:
                self.latencies[name].append(ms)
            else:
                self.errors[name] += 1
                if len(self.samples[name]) < 5:
                    self.samples[name].append(error)


def browse_path(rng: random.Random) -> str:
    """An anonymous list page: the first, a page 2–40, a field filter, or newest first."""
    kind = rng.choice(("results", "results", "demands"))
    query = rng.choice(({}, {"page": rng.randint(2, 40)}, {"field": f"T{rng.randint(1, 11):02d}"},
                        {"sort": "newest"}))
    return f"/{kind}/?" + urllib.parse.urlencode(query)


def search_path(rng: random.Random, keywords: list[str]) -> str:
    """An anonymous search: one or two CSL keywords."""
    kind = rng.choice(("results", "results", "demands"))
    words = " ".join(rng.sample(keywords, rng.choice((1, 1, 2))))
    return f"/{kind}/?" + urllib.parse.urlencode({"q": words})


def match_path(rng: random.Random, demands: list[int], results: list[int]) -> tuple[str, str]:
    """A match page both ways, with who asks: a demand's results (enterprise), a result's demands (university)."""
    if rng.random() < 0.5:
        return f"/matches/demand/{rng.choice(demands)}", ENTERPRISE
    return f"/matches/result/{rng.choice(results)}", UNIVERSITY


class Workload:
    """What the virtual users do. Each action makes one or two requests and records each under its class."""

    def __init__(self, p: Platform, seed: int = 1):
        self.p = p
        self.keywords, _sentences = vocabulary()
        self.demands = p.fixtures["demand_ids"]
        self.results = p.fixtures["achievement_ids"]
        self.sessions = {email: login(p.base_url, email, p.password)
                         for email in (ENTERPRISE, UNIVERSITY, BROKER, OPERATOR)}
        self.bearer = {email: {"Authorization": f"Bearer {token}"} for email, token in p.tokens.items()}
        self.cases = p.fixtures["case_ids"][BROKER]
        self.orgs = p.fixtures["org_ids"]
        self.pending: list[tuple[int, str, float]] = []  # (demand id, its word, approved at) for the checker
        self.visible: list[float] = []
        self.invisible: list[tuple[int, str]] = []
        self.pending_lock = threading.Lock()
        self.serial = itertools.count(1)
        self.valid_until = (dt.date.today() + dt.timedelta(days=90)).isoformat()

    # each action: (client, rng, stats) → None
    def browse(self, c: Client, rng: random.Random, stats: Stats) -> None:
        self.get(c, stats, "browse", browse_path(rng))

    def search(self, c: Client, rng: random.Random, stats: Stats) -> None:
        self.get(c, stats, "search", search_path(rng, self.keywords))

    def match(self, c: Client, rng: random.Random, stats: Stats) -> None:
        path, who = match_path(rng, self.demands, self.results)
        self.get(c, stats, "match", path, self.sessions[who].headers)

    def dashboard(self, c: Client, rng: random.Random, stats: Stats) -> None:
        who = rng.choice((ENTERPRISE, UNIVERSITY, BROKER))
        self.get(c, stats, "dashboard", "/dashboard", self.sessions[who].headers)

    def api_match(self, c: Client, rng: random.Random, stats: Stats) -> None:
        if rng.random() < 0.5:
            path = f"/api/v1/match/demand/{rng.choice(self.demands)}?limit=20"
        else:
            path = f"/api/v1/match/result/{rng.choice(self.results)}?limit=20"
        self.get(c, stats, "api_match", path, self.bearer[rng.choice((ENTERPRISE, BROKER))])

    def write(self, c: Client, rng: random.Random, stats: Stats) -> None:
        roll = rng.random()
        if roll < 0.4:
            self.new_demand(c, rng, stats)
        elif roll < 0.7:
            body = json.dumps({"body": f"负载测试跟进记录 {next(self.serial)}：电话沟通了技术参数和报价。"}).encode()
            self.call(c, stats, "write", "POST", f"/api/v1/cases/{rng.choice(self.cases)}/notes", body,
                      {**self.bearer[BROKER], "Content-Type": "application/json"}, 201)
        else:
            self.contract(c, rng, stats)

    def new_demand(self, c: Client, rng: random.Random, stats: Stats) -> None:
        word = f"LT{os.getpid() % 100:02d}X{next(self.serial):06d}"  # one token the analyser keeps whole
        enterprise, operator = self.sessions[ENTERPRISE], self.sessions[OPERATOR]
        kws = rng.sample(self.keywords, 3)
        body, headers = form({
            "title": f"{kws[0]}{kws[1]}技术需求 {word}", "summary": f"寻求{kws[0]}方面的技术方案（{word}）。",
            "problem": f"现有{kws[1]}工艺效率低，需要{kws[2]}方面的改进，指标可谈。", "field_code": "T03",
            "keywords": "，".join(kws), "region_code": "330100", "budget_min": "20", "budget_max": "80",
            "cooperation_modes": ["joint_dev"], "valid_until": self.valid_until, "contact_name": "王工",
            "contact_phone": "13900000000", "action": "submit", "csrf_token": enterprise.csrf})
        response = self.call(c, stats, "write", "POST", "/demands/new", body, {**headers, **enterprise.headers}, 302)
        if response is None:
            return
        found = re.search(r"/demands/(\d+)", response.getheader("Location", ""))
        if not found:
            stats.add("write", 0, "no demand id in the redirect")
            return
        demand_id = int(found.group(1))
        body, headers = form({"decision": "approve", "csrf_token": operator.csrf})
        if self.call(c, stats, "write", "POST", f"/review/demand/{demand_id}", body,
                     {**headers, **operator.headers}, 302) is not None:
            with self.pending_lock:
                self.pending.append((demand_id, word, time.monotonic()))

    def contract(self, c: Client, rng: random.Random, stats: Stats) -> None:
        serial = next(self.serial)
        body = json.dumps({
            "name": f"负载测试技术许可合同 {serial}", "subtype_code": "LIC-03", "field_code": "T06",
            "payment_mode": "royalty", "signed_on": dt.date.today().isoformat(),
            "seller": {"organisation_id": self.orgs[UNIVERSITY]}, "buyer": {"organisation_id": self.orgs[ENTERPRISE]},
            "items": [{"description": "许可使用费", "amount_yuan": f"{rng.randint(10, 900)}000.00"}]}).encode()
        headers = {**self.bearer[BROKER], "Content-Type": "application/json"}
        response = self.call(c, stats, "write", "POST", "/api/v1/contracts", body, headers, 201)
        if response is not None:
            contract_id = json.loads(response.data)["id"]
            self.call(c, stats, "write", "POST", f"/api/v1/contracts/{contract_id}/submit", b"", headers, 200)

    # --- one request, timed and checked ---
    def get(self, c: Client, stats: Stats, name: str, path: str, headers: dict | None = None) -> None:
        self.call(c, stats, name, "GET", path, None, headers, 200)

    def call(self, c: Client, stats: Stats, name: str, method: str, path: str, body: bytes | None,
             headers: dict | None, expect: int):
        start = time.perf_counter()
        try:
            status, response, data = c.request(method, path, body=body, headers=headers)
        except (OSError, http.client.HTTPException) as exc:
            stats.add(name, 0, f"{method} {path}: {type(exc).__name__} {exc}")
            return None
        ms = (time.perf_counter() - start) * 1000
        if status != expect:
            stats.add(name, ms, f"{method} {path}: HTTP {status} {data[:160]!r}")
            return None
        stats.add(name, ms)
        response.data = data
        return response

    # --- the write-visibility checker ---
    def check_visibility(self, stop: threading.Event) -> None:
        c = Client(self.p.base_url)
        while not stop.is_set() or self.pending:
            with self.pending_lock:
                todo = list(self.pending)
            now = time.monotonic()
            for item in todo:
                demand_id, word, approved = item
                _status, _r, page = c.request("GET", "/demands/?" + urllib.parse.urlencode({"q": word}))
                waited = time.monotonic() - approved
                if f"/demands/{demand_id}\"" in page.decode():
                    self.visible.append(waited)
                elif waited > VISIBLE_WITHIN * 3:  # give up on it; counted as not visible in time
                    self.invisible.append((demand_id, word))
                else:
                    continue
                with self.pending_lock:
                    self.pending.remove(item)
            if time.monotonic() - now < 0.05:
                time.sleep(0.05)


ACTIONS = ("browse", "search", "match", "dashboard", "api_match", "write")


def run_level(w: Workload, users: int, seconds: float, weights: dict[str, int], *, rate: float | None = None,
              tick=None) -> dict:
    """`users` closed-loop virtual users for `seconds`; with `rate`, each paces itself to rate/users req/s."""
    stats, stop = Stats(), threading.Event()
    names = [n for n in ACTIONS if weights.get(n)]
    cum = list(itertools.accumulate(weights[n] for n in names))
    cpu0, server0 = _client_cpu(), w.p.process_cpu_s()
    end = time.monotonic() + seconds

    def user(index: int) -> None:
        rng, client = random.Random(index * 7919 + users), Client(w.p.base_url)
        interval = users / rate if rate else 0.0
        next_at = time.monotonic() + rng.random() * interval
        while time.monotonic() < end:
            if interval:
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                next_at += interval
            name = rng.choices(names, cum_weights=cum)[0]
            getattr(w, name)(client, rng, stats)

    checker = threading.Thread(target=w.check_visibility, args=(stop,), daemon=True)
    checker.start()
    threads = [threading.Thread(target=user, args=(i,), daemon=True) for i in range(users)]
    started = time.monotonic()
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        if tick is not None:
            tick()
    elapsed = time.monotonic() - started
    stop.set()
    checker.join(timeout=VISIBLE_WITHIN * 4)
    server = {k: round(v - server0[k], 1) for k, v in w.p.process_cpu_s().items()}
    return summarise(stats, elapsed, users, client_cpu=round(_client_cpu() - cpu0, 1), server_cpu=server)


def summarise(stats: Stats, elapsed: float, users: int, **extra) -> dict:
    classes = {}
    for name in sorted(set(stats.latencies) | set(stats.errors)):
        ms = stats.latencies.get(name, [])
        classes[name] = {"requests": len(ms), "rps": round(len(ms) / elapsed, 1),
                         "p50_ms": round(pct(ms, 50), 1) if ms else None,
                         "p95_ms": round(pct(ms, 95), 1) if ms else None,
                         "p99_ms": round(pct(ms, 99), 1) if ms else None,
                         "errors": stats.errors.get(name, 0), "error_samples": stats.samples.get(name, [])}
    total = sum(c["requests"] for c in classes.values())
    return {"users": users, "seconds": round(elapsed, 1), "rps": round(total / elapsed, 1),
            "errors": sum(c["errors"] for c in classes.values()), "classes": classes, **extra}


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def anchor(p: Platform, seconds: float) -> dict:
    client, ms = Client(p.base_url), []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        status, _r, _d = client.request("GET", "/healthz")
        if status == 200:
            ms.append((time.perf_counter() - start) * 1000)
    return {"requests": len(ms), "rps": round(len(ms) / seconds, 1), "p50_ms": round(pct(ms, 50), 2),
            "p95_ms": round(pct(ms, 95), 2)}


def cpu_model() -> str:
    info = Path("/proc/cpuinfo").read_text()
    name = re.search(r"model name\s*:\s*(.+)", info)
    model = re.search(r"^model\s*:\s*(\d+)", info, re.M)
    return f"{name.group(1).strip() if name else '?'} (model {model.group(1) if model else '?'}, {os.cpu_count()} CPUs)"


def crossings(levels: list[dict]) -> dict[str, int | None]:
    """Per class, the lowest concurrency whose p95 passed P95_LIMIT_MS (None: never in these levels)."""
    out: dict[str, int | None] = {}
    for level in levels:
        for name, c in level["classes"].items():
            out.setdefault(name, None)
            if out[name] is None and c["p95_ms"] is not None and c["p95_ms"] > P95_LIMIT_MS:
                out[name] = level["users"]
    return out


def print_level(title: str, level: dict, anchor_p50: float) -> None:
    print(f"\n{title}: {level['users']} users, {level['rps']} req/s, {level['errors']} errors; CPU s: client "
          f"{level.get('client_cpu')}, server {level.get('server_cpu')}", flush=True)
    print(f"  {'class':<10} {'req':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>4}  p50/anchor")
    for name, c in level["classes"].items():
        ratio = f"{c['p50_ms'] / anchor_p50:.1f}×" if c["p50_ms"] and anchor_p50 else "-"
        print(f"  {name:<10} {c['requests']:>6} {c['rps']:>7} {c['p50_ms'] or '-':>7} {c['p95_ms'] or '-':>7} "
              f"{c['p99_ms'] or '-':>7} {c['errors']:>4}  {ratio}", flush=True)
        for sample in c["error_samples"][:2]:
            print(f"      e.g. {sample[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--levels", default=DEFAULT_LEVELS, help="concurrencies, comma-separated")
    parser.add_argument("--duration", type=float, default=60, help="seconds per level")
    parser.add_argument("--only", default="", help="also run these classes alone at every level (browse,match)")
    parser.add_argument("--soak", type=float, default=0, help="seconds of the soak at half load (600 for the issue)")
    parser.add_argument("--soak-rate", type=float, default=0, help="req/s during the soak (default: half the best)")
    parser.add_argument("--anchor", type=float, default=10, help="seconds of GET /healthz alone")
    parser.add_argument("--worker-class", default="gthread", choices=("gthread", "sync"))
    parser.add_argument("--server-cpus", default=None, help="taskset list for gunicorn (e.g. 0-1)")
    parser.add_argument("--client-cpus", default=None, help="CPUs for this load generator (e.g. 2-3)")
    parser.add_argument("--attach", metavar="STATE.json", help="use a platform that `bench/harness.py --serve` runs")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a TERM tears the platform down (harness's finally)
    if args.client_cpus:
        os.sched_setaffinity(0, {int(c) for part in args.client_cpus.split(",") for c in _cpu_range(part)})
    report: dict = {"cpu": cpu_model(), "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "args": vars(args), "mix": MIX, "p95_limit_ms": P95_LIMIT_MS, "visible_within_s": VISIBLE_WITHIN}
    print(f"CPU: {report['cpu']}; load generator on the same machine"
          + (f", pinned to {args.client_cpus}" if args.client_cpus else " (not pinned)"), flush=True)
    started = time.monotonic()
    running = contextlib.nullcontext(Platform.load(args.attach)) if args.attach else \
        platform(listings=args.listings, worker_class=args.worker_class, server_cpus=args.server_cpus)
    with running as p:
        report["setup_s"] = round(time.monotonic() - started, 1)
        report["listings"] = p.fixtures["listings"]
        print(f"platform ready in {report['setup_s']} s: {p.base_url}, {p.fixtures['listings']} listings, "
              f"worker class {args.worker_class}, workers' RSS {_rss(p)} MB", flush=True)
        report["index_start"] = index_state(p)
        w = Workload(p)
        run_level(w, 2, min(10.0, args.duration), MIX)  # warm-up: every worker opens the index and vectors
        report["anchor"] = anchor(p, args.anchor)
        anchor_p50 = report["anchor"]["p50_ms"]
        print(f"anchor GET /healthz, 1 connection: {report['anchor']}", flush=True)
        levels = [int(x) for x in args.levels.split(",") if x]
        report["levels"] = []
        for users in levels:
            level = run_level(w, users, args.duration, MIX)
            report["levels"].append(level)
            print_level("mix", level, anchor_p50)
        report["p95_over_50ms_at"] = crossings(report["levels"])
        print(f"\nconcurrency at which p95 passed {P95_LIMIT_MS:.0f} ms: {report['p95_over_50ms_at']}")
        report["alone"] = {}
        for name in [n for n in args.only.split(",") if n]:
            runs = []
            for users in levels:
                level = run_level(w, users, args.duration, {name: 1})
                runs.append(level)
                print_level(f"{name} alone", level, anchor_p50)
            report["alone"][name] = runs
        if args.soak:
            report["soak"] = soak(w, p, args, report["levels"])
        report["visibility"] = visibility(w)
        report["worker_rss_mb_end"] = _rss(p)
        report["outbox"] = p.flask("search", "status")
        report["index_end"] = index_state(p)
        for when in ("index_start", "index_end"):
            state = report[when]
            if state.get("indexed") != state.get("in_database"):
                print(f"WARNING ({when}): the index holds {state.get('indexed')} of {state.get('in_database')} "
                      "listings: page figures of this run do not describe the full index", flush=True)
    out = Path(args.out or ROOT / "bench/out" / f"load-{dt.datetime.now():%Y%m%d-%H%M%S}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    print(f"\nwrite visibility: {report['visibility']}\nworkers' RSS at the end: {report['worker_rss_mb_end']} MB"
          f"\n{report['outbox']}written {out}")


def index_state(p: Platform) -> dict:
    """`flask search status` as a dict (indexed, in_database, outbox_pending as integers where they are)."""
    state = {}
    for line in p.flask("search", "status").splitlines():
        key, _sep, value = line.partition(": ")
        state[key] = int(value) if value.isdigit() else value
    return state


def soak(w: Workload, p: Platform, args, levels: list[dict]) -> dict:
    best = max((lv for lv in levels if all((c["p95_ms"] or 0) <= P95_LIMIT_MS for c in lv["classes"].values())),
               key=lambda lv: lv["rps"], default=max(levels, key=lambda lv: lv["rps"]))
    rate = args.soak_rate or round(best["rps"] / 2, 1)
    users = max(2, best["users"])
    samples: list[tuple[float, list[float]]] = []
    started = time.monotonic()
    last = [-1e9]

    def tick() -> None:
        now = time.monotonic()
        if now - last[0] >= 30:
            last[0] = now
            samples.append((round(now - started), _rss(p)))

    print(f"\nsoak: {args.soak:.0f} s at {rate} req/s ({users} users); workers' RSS every 30 s", flush=True)
    level = run_level(w, users, args.soak, MIX, rate=rate, tick=tick)
    samples.append((round(time.monotonic() - started), _rss(p)))
    level.update(rate_target=rate, rss_samples=samples, rss_start_mb=samples[0][1], rss_end_mb=samples[-1][1])
    print_level("soak", level, 0)
    print(f"  workers' RSS: start {samples[0][1]} MB, end {samples[-1][1]} MB", flush=True)
    return level


def visibility(w: Workload) -> dict:
    delays = sorted(w.visible)
    return {"demands": len(delays) + len(w.invisible), "visible": len(delays), "not_visible": w.invisible[:10],
            "within_bound": sum(d <= VISIBLE_WITHIN for d in delays),
            "p50_s": round(pct(delays, 50), 2) if delays else None,
            "p95_s": round(pct(delays, 95), 2) if delays else None, "max_s": round(delays[-1], 2) if delays else None}


def _rss(p: Platform) -> list[float]:
    return sorted(round(v) for v in p.worker_rss_mb().values())


def _cpu_range(part: str) -> range:
    low, _sep, high = part.partition("-")
    return range(int(low), int(high or low) + 1)


if __name__ == "__main__":
    main()
