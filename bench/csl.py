"""Shared helpers for the benchmarks: CSL records and dev demands as search documents/queries."""
from __future__ import annotations

import json
from pathlib import Path

from search.documents import ACHIEVEMENT, Filters, Listing, MatchQuery
from tt_platform import taxonomy

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CSL = ROOT / "tt_platform/demo/data/csl_2k.jsonl"
MODE_CODES = {"技术转让": "transfer", "技术许可": "license", "委托开发": "commissioned_dev", "合作开发": "joint_dev",
              "技术咨询": "consulting", "技术服务": "service", "作价入股": "equity"}


def field_codes_by_name() -> dict[str, str]:
    return {name: code for code, name in taxonomy.fields().items()}


def csl_listings(path: Path = CSL) -> list[Listing]:
    fields = taxonomy.csl_discipline_fields()
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            r = json.loads(line)
            out.append(Listing(doc_id=f"{ACHIEVEMENT}:{n}", kind=ACHIEVEMENT, title=r["title"],
                               text=r["abstract"], keywords=tuple(r["keywords"]),
                               field_code=fields.get(r["discipline"]), external_ref=r["id"]))
    return out


def dev_queries(path: Path) -> list[tuple[str, MatchQuery]]:
    names = field_codes_by_name()
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            out.append((q["id"], MatchQuery(
                title=q["title"], text=q["description"], keywords=tuple(q.get("keywords") or ()),
                field_code=names.get(q.get("field") or ""), modes=tuple(MODE_CODES[m] for m in q.get("modes") or ()
                                                                        if m in MODE_CODES),
                amount_high=q.get("budget_wan"), target_kind=ACHIEVEMENT,
                filters=Filters(kind=ACHIEVEMENT, public_only=False))))
    return out
