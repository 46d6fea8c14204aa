"""Shared helpers for the benchmarks: CSL records and dev demands as search documents/queries."""
from __future__ import annotations

import json
from pathlib import Path

from search.documents import ACHIEVEMENT, Listing, MatchQuery, doc_id
from tt_platform import taxonomy

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CSL = ROOT / "tt_platform/demo/data/csl_2k.jsonl"


def csl_listings(path: Path = CSL) -> list[Listing]:
    fields = taxonomy.csl_discipline_fields()
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            r = json.loads(line)
            out.append(Listing(doc_id=doc_id(ACHIEVEMENT, n), kind=ACHIEVEMENT, title=r["title"],
                               text=r["abstract"], keywords=tuple(r["keywords"]),
                               field_code=fields.get(r["discipline"]), external_ref=r["id"]))
    return out


def dev_queries(path: Path) -> list[tuple[str, MatchQuery]]:
    """The dev demands read exactly as `flask match run` and the API read them."""
    from tt_platform.api.match import match_query_from_json

    with open(path, encoding="utf-8") as fh:
        demands = [json.loads(line) for line in fh if line.strip()]
    return [(d["id"], match_query_from_json(d)) for d in demands]
