"""Synthetic listings for speed benchmarks, built from the vocabulary of the real CSL abstracts.

Titles join 2–4 author keywords; texts stitch 2–4 abstract sentences from different records, so the
term statistics look like real Chinese technical text. Deterministic for a given seed.
"""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

from search.documents import ACHIEVEMENT, DEMAND, Listing, doc_id

ROOT = Path(__file__).resolve().parent.parent
CSL = ROOT / "tt_platform/demo/data/csl_2k.jsonl"
FIELDS = [f"T{i:02d}" for i in range(1, 12)]
MODES = ["transfer", "license", "commissioned_dev", "joint_dev", "consulting", "service", "equity"]
REGIONS = ["110100", "310100", "330100", "320500", "440100", "510100", "610100", "420100", "370200", "120100"]


def vocabulary():
    keywords, sentences = set(), []
    with open(CSL, encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            keywords.update(k for k in record["keywords"] if 2 <= len(k) <= 12)
            sentences += [s for s in re.split(r"[。.;；]", record["abstract"]) if len(s) > 10]
    return sorted(keywords), sentences


def listings(n: int, seed: int = 7, demand_share: float = 0.2) -> list[Listing]:
    rng = random.Random(seed)
    keywords, sentences = vocabulary()
    out = []
    for i in range(n):
        kind = DEMAND if rng.random() < demand_share else ACHIEVEMENT
        kws = rng.sample(keywords, rng.randint(3, 6))
        title = "".join(kws[: rng.randint(2, 3)]) + rng.choice(["研究", "方法", "系统", "技术", "装置", "工艺"])
        text = "。".join(rng.sample(sentences, rng.randint(2, 4))) + "。"
        price = rng.choice([None, 10.0, 30.0, 50.0, 100.0, 200.0, 500.0])
        out.append(Listing(
            doc_id=doc_id(kind, i + 1), kind=kind, title=title[:200], text=text, keywords=tuple(kws),
            field_code=rng.choice(FIELDS), region_code=rng.choice(REGIONS), trl=rng.randint(1, 9),
            modes=tuple(rng.sample(MODES, rng.randint(1, 3))), amount_low=price, amount_high=price,
            published_at=1.7e9 + rng.randint(0, 3e7), org_kind=rng.choice(["university", "institute", "enterprise"]),
            version=str(i),
        ))
    return out
