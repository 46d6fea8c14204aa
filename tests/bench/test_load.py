"""The load benchmark's own arithmetic (bench/load.py) and the harness's hand-over between processes."""
from pathlib import Path

from bench.harness import Platform
from bench.load import Stats, crossings, summarise


def level(users: int, **p95s: float | None) -> dict:
    return {"users": users, "classes": {name: {"p95_ms": p95} for name, p95 in p95s.items()}}


def test_crossing_is_the_first_level_whose_p95_passes_50_ms():
    levels = [level(1, browse=12.0, match=49.9), level(4, browse=50.0, match=50.1),
              level(16, browse=80.0, match=20.0), level(32, browse=90.0, match=None)]
    # exactly 50 ms does not pass; a later level under the limit does not undo a crossing
    assert crossings(levels) == {"browse": 16, "match": 4}
    assert crossings([level(1, write=10.0)]) == {"write": None}


def test_summary_counts_rates_percentiles_and_errors_per_class():
    stats = Stats()
    for ms in range(1, 101):
        stats.add("browse", float(ms))
    stats.add("browse", 0, "GET /results/: HTTP 500")
    stats.add("write", 0, "POST /demands/new: HTTP 400")
    out = summarise(stats, elapsed=10.0, users=4)
    browse = out["classes"]["browse"]
    assert (browse["requests"], browse["rps"], browse["errors"]) == (100, 10.0, 1)
    assert (browse["p50_ms"], browse["p95_ms"], browse["p99_ms"]) == (51.0, 95.0, 99.0)
    assert out["classes"]["write"] == {"requests": 0, "rps": 0.0, "p50_ms": None, "p95_ms": None, "p99_ms": None,
                                       "errors": 1, "error_samples": ["POST /demands/new: HTTP 400"]}
    assert (out["rps"], out["errors"]) == (10.0, 2)


def test_a_platform_saved_by_one_process_is_attached_by_another(tmp_path: Path):
    p = Platform(base_url="http://127.0.0.1:1234", database_url="postgresql+psycopg://postgres@127.0.0.1:5/postgres",
                 directory=tmp_path, env={"TT_DEMO": "0"}, tokens={"a@example.cn": "ttp_x"},
                 fixtures={"demand_ids": [1, 2]}, gunicorn_pid=99999999, drain_pid=None)
    p.save(tmp_path / "state.json")
    again = Platform.load(tmp_path / "state.json")
    assert again == p
    assert again.worker_pids() == []  # no such process: no workers, no error
