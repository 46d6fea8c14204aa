"""Backtest of the reference price band (tt_platform/pricing/bands.py), honestly.

Each registered contract's 技术交易额 is predicted from the contracts registered before it (leave-one-out
in time: only earlier registrations, never the contract itself or later ones), by

- band: the median of the comparables the page would use (same rule, same widening, at least 5);
- baseline "type": the median of all earlier contracts of the same contract type;
- baseline "type+field": the median of earlier contracts of the same type and 技术领域 (the type's median
  when there is none).

Reported over the contracts the band can price (at least 5 comparables), per contract type and overall:
the median absolute log error |ln(predicted / actual)| (0.69 means off by a factor of 2 at the median),
the share of actual amounts inside the P25–P75 band (for the baselines: their own group's P25–P75), and a
one-sided paired sign test of the band's error against each baseline's.
Coverage says how many contracts had a band at all.

Data sets, each labelled in the report:
- `demo`: the contracts of `flask demo load` (演示数据: amounts are drawn log-normally, independently of
  type and field, so no method should beat the type median there), in a throw-away SQLite database the
  script fills with the demo (about 40 s);
- `synthetic`: contracts generated here with price effects by type, field, IP type, TRL and year plus
  log-normal noise (a stand-in for real registration data, which the project does not have);
- `--database URL`: whatever registered contracts that database holds (real data, if it has any); it
  comes first, so `--database URL --sets "" --write-decision` decides from it alone.

`--write-decision` stores the verdict per contract type of the first data set in
tt_platform/pricing/data/backtest.json: the app shows the band only for types whose band beat both
baselines there: a lower median absolute log error than each, over at least 20 contracts, with a sign
test p < 0.05 against each (config PRICING_BAND=backtest, the default).

    .venv/bin/python bench/pricing.py [--database URL] [--sets demo,synthetic] [--write-decision]

An operator with real registration data decides from it:
    .venv/bin/python bench/pricing.py --database "$TT_DATABASE_URL" --sets "" --write-decision
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tt_platform.pricing import bands  # noqa: E402  (the path above first)

OUT = ROOT / "bench" / "out"
DECISION = ROOT / "tt_platform" / "pricing" / "data" / "backtest.json"
P25, P75 = Decimal("0.25"), Decimal("0.75")


# --- data ---------------------------------------------------------------------------------------

def from_database(url: str) -> list[bands.Comparable]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    query = sa.text(
        "SELECT c.id, c.type_code, c.subtype_code, c.field_code, c.ip_type, a.trl, c.registered_on, c.tech_fen,"
        " c.is_demo FROM contract c LEFT JOIN achievement a ON a.id = c.achievement_id"
        " WHERE c.status = 'registered' AND c.tech_fen > 0 ORDER BY c.registered_on, c.id")
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    engine.dispose()
    out = []
    for row in rows:
        day = row.registered_on if isinstance(row.registered_on, dt.date) else dt.date.fromisoformat(
            str(row.registered_on))
        out.append(bands.Comparable(row.id, row.type_code, row.subtype_code, row.field_code, row.ip_type, row.trl,
                                    day, int(row.tech_fen), bool(row.is_demo)))
    return out


def demo_database() -> str:
    """A throw-away SQLite database with the demo loaded (search embeddings off: not needed here)."""
    folder = Path(tempfile.mkdtemp(prefix="tt-pricing-bench-"))
    env = {**os.environ, "TT_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "TT_SECRET_KEY": "bench",
           "TT_SEARCH_INDEX_DIR": str(folder / "index"), "TT_SEARCH_VECTOR_DIR": str(folder / "vectors"),
           "TT_SEARCH_EMBEDDINGS": "off"}
    flask = str(Path(sys.executable).parent / "flask")
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([flask, "--app", "tt_platform", *args], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    return env["TT_DATABASE_URL"]


#: synthetic price effects (natural log of the multiplier): type, field, IP type; TRL adds 0.15 per level
TYPE_EFFECT = {"TRF": 0.3, "LIC": -0.2, "DEV": 0.5, "CON": -0.9, "SRV": -0.3}
FIELD_EFFECT = {"T01": 0.2, "T02": 0.6, "T03": 0.1, "T04": 0.5, "T05": 0.0, "T06": 0.3, "T07": -0.3, "T08": 0.7,
                "T09": -0.6, "T10": 0.2, "T11": -0.4}
IP_EFFECT = {"invention_patent": 0.4, "trade_secret": 0.1, "software_copyright": -0.3, None: 0.0}
SUBTYPES = {"SRV-01": 30, "DEV-01": 22, "DEV-02": 8, "TRF-01": 8, "TRF-03": 3, "TRF-04": 2, "LIC-01": 8,
            "LIC-02": 3, "LIC-03": 2, "CON-01": 8}


def synthetic(n: int = 3000, seed: int = 19) -> list[bands.Comparable]:
    """Registered contracts over five years whose amounts depend on type, field, IP type, TRL and year
    (+6 % a year) with log-normal noise (σ 0.8). Labelled synthetic in the report."""
    rng = random.Random(seed)
    start = dt.date(2022, 1, 1)
    subtypes, weights = zip(*SUBTYPES.items(), strict=True)
    out = []
    for i in range(n):
        sub = rng.choices(subtypes, weights)[0]
        type_code = sub[:3]
        field = rng.choice(list(FIELD_EFFECT))
        ip = ("invention_patent" if sub.endswith("01") else "trade_secret" if sub.endswith("02") or sub == "TRF-03"
              else "software_copyright") if type_code in ("TRF", "LIC") else None
        trl = rng.randint(3, 9) if rng.random() < 0.4 else None
        day = start + dt.timedelta(days=rng.randrange(5 * 365))
        log_yuan = (math.log(400_000) + TYPE_EFFECT[type_code] + FIELD_EFFECT[field] + IP_EFFECT[ip]
                    + 0.15 * ((trl or 6) - 6) + 0.06 * (day - start).days / 365 + rng.gauss(0, 0.8))
        fen = int(round(min(max(math.exp(log_yuan), 10_000), 100_000_000), -2)) * 100
        out.append(bands.Comparable(i + 1, type_code, sub, field, ip, trl, day, fen))
    return sorted(out, key=lambda c: (c.registered_on, c.id))


# --- the backtest -------------------------------------------------------------------------------

def target_of(c: bands.Comparable) -> bands.Target:
    """What the page would ask for this contract: a result's transfer/licence market, else its type."""
    types = bands.RESULT_TYPES if c.type_code in bands.RESULT_TYPES else (c.type_code,)
    return bands.Target(types, c.field_code, ip_types=(c.ip_type,) if c.ip_type else (), trl=c.trl,
                        as_of=c.registered_on - dt.timedelta(days=1))


def _interval(values: list[int]) -> tuple[int, int] | None:
    values = sorted(values)
    return (bands.percentile_fen(values, P25), bands.percentile_fen(values, P75)) if len(values) >= 2 else None


def sign_test(band_errors: list[float], baseline_errors: list[float]) -> float:
    """One-sided paired sign test: the chance of the band winning this often if it were no better
    (ties left out)."""
    wins = sum(b < o for b, o in zip(band_errors, baseline_errors, strict=True))
    losses = sum(b > o for b, o in zip(band_errors, baseline_errors, strict=True))
    n = wins + losses
    return 1.0 if n == 0 else sum(math.comb(n, k) for k in range(wins, n + 1)) / 2**n


def backtest(contracts: list[bands.Comparable]) -> dict:
    contracts = sorted(contracts, key=lambda c: (c.registered_on, c.id))
    errors: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    inside: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    seen: dict[str, int] = defaultdict(int)
    earlier: list[bands.Comparable] = []
    for c in contracts:
        seen[c.type_code] += 1
        pool = [e for e in earlier if e.registered_on < c.registered_on]
        earlier.append(c)
        selection = bands.select(target_of(c), pool)
        if selection.band is None:
            continue
        same_type = [e.tech_fen for e in pool if e.type_code == c.type_code]
        same_field = [e.tech_fen for e in pool if e.type_code == c.type_code and e.field_code == c.field_code]
        if not same_type:
            continue
        predictions = {
            "band": (selection.band.median_fen, (selection.band.p25_fen, selection.band.p75_fen)),
            "type": (bands.median_fen(same_type), _interval(same_type)),
            "type+field": (bands.median_fen(same_field or same_type), _interval(same_field or same_type)),
        }
        for key in (c.type_code, "all"):
            for method, (predicted, interval) in predictions.items():
                errors[key][method].append(abs(math.log(predicted / c.tech_fen)))
                inside[key][method].append(interval is not None and interval[0] <= c.tech_fen <= interval[1])
    report = {}
    for key in sorted(errors, key=lambda k: (k == "all", k)):
        n = len(errors[key]["band"])
        row = {"evaluated": n, "registered": sum(seen.values()) if key == "all" else seen[key]}
        for method in ("band", "type", "type+field"):
            row[method] = {"mdae_log": round(statistics.median(errors[key][method]), 4),
                           "within_p25_p75": round(sum(inside[key][method]) / n, 4)}
        for method in ("type", "type+field"):
            row[method]["sign_test_p"] = round(sign_test(errors[key]["band"], errors[key][method]), 4)
        # "beats" = lower median error than both baselines, and more often closer than each of them than
        # chance would make it (sign test, p < 0.05): a lucky streak on a few dozen contracts does not count
        row["beats_baselines"] = bool(n >= 20 and all(
            row["band"]["mdae_log"] < row[m]["mdae_log"] and row[m]["sign_test_p"] < 0.05
            for m in ("type", "type+field")))
        report[key] = row
    return report


def table(name: str, report: dict) -> str:
    lines = [f"### {name}", "",
             "| type | registered | evaluated | band MdAE (log) | type | type+field | band in P25–P75 | type "
             "| type+field | sign test p vs type / type+field | band beats both |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, row in report.items():
        lines.append(
            f"| {key} | {row['registered']} | {row['evaluated']} | {row['band']['mdae_log']:.3f} | "
            f"{row['type']['mdae_log']:.3f} | {row['type+field']['mdae_log']:.3f} | "
            f"{row['band']['within_p25_p75']:.0%} | {row['type']['within_p25_p75']:.0%} | "
            f"{row['type+field']['within_p25_p75']:.0%} | {row['type']['sign_test_p']:.3f} / "
            f"{row['type+field']['sign_test_p']:.3f} | {'yes' if row['beats_baselines'] else 'no'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", help="SQLAlchemy URL to read registered contracts from")
    parser.add_argument("--sets", default="demo,synthetic", help="demo, synthetic (comma-separated; may be empty)")
    parser.add_argument("--write-decision", action="store_true",
                        help="store the first data set's per-type verdicts in tt_platform/pricing/data")
    args = parser.parse_args()
    sets = []
    if args.database:
        rows = from_database(args.database)
        demo_share = sum(c.is_demo for c in rows) / max(1, len(rows))
        sets.append((f"contracts in {args.database.split('@')[-1]}: {len(rows)} registered, {demo_share:.0%} "
                     "marked demo", "database", rows))
    for name in filter(None, args.sets.split(",")):
        if name == "demo":
            rows = from_database(demo_database())
            sets.append((f"demo contracts (演示数据) of `flask demo load`: {len(rows)} registered", name, rows))
        elif name == "synthetic":
            sets.append(("synthetic contracts (generated by bench/pricing.py, seed 19)", name, synthetic()))
    OUT.mkdir(parents=True, exist_ok=True)
    results = {}
    for label, name, rows in sets:
        report = backtest(rows)
        results[name] = {"label": label, "report": report}
        print(table(label, report), end="\n\n")
    (OUT / "pricing.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.write_decision and sets:
        label, name, _rows = sets[0]
        report = results[name]["report"]
        decision = {
            "decided_on": dt.date.today().isoformat(), "data": label, "command": "bench/pricing.py",
            "rule": "the band is shown for a contract type when, over at least 20 evaluated contracts, its "
                    "median absolute log error is below both baselines' and a one-sided paired sign test "
                    "against each gives p < 0.05",
            "types": {k: {"beats_baselines": v["beats_baselines"], "evaluated": v["evaluated"],
                          "band_mdae_log": v["band"]["mdae_log"], "type_mdae_log": v["type"]["mdae_log"],
                          "type_field_mdae_log": v["type+field"]["mdae_log"]}
                      for k, v in report.items() if k != "all"},
        }
        DECISION.parent.mkdir(parents=True, exist_ok=True)
        DECISION.write_text(json.dumps(decision, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"decision written to {DECISION.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
