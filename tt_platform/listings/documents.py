"""Helpers the feature mappings share when they turn a listing into a search document."""
from __future__ import annotations

import hashlib
from dataclasses import MISSING, fields

import orjson

from search.documents import Listing
from tt_platform.listings.models import PUBLIC_STATES, ListingStatus


def amount(value) -> float | None:
    return float(value) if value is not None else None


def epoch(moment) -> float | None:
    return moment.timestamp() if moment is not None else None


def is_public(listing) -> bool:
    status = listing.effective_status
    return status in PUBLIC_STATES and status is not ListingStatus.EXPIRED


def indexed_text(summary: str | None, *parts: str | None) -> str:
    """A listing's searchable text: its summary, then its other texts. A summary that only repeats
    the opening of the first (an imported result's summary is its abstract's first sentences) is left
    out: indexed twice, those words would count double, and the analysis would do the work twice."""
    body = [part for part in parts if part]
    opening = (summary or "").strip().removesuffix("…").rstrip()
    if opening and not (body and body[0].lstrip().startswith(opening)):
        body.insert(0, summary)
    return "\n".join(body)


def versioned_listing(**values) -> Listing:
    """A listing stamped with a hash of its content: reconcile compares these with the index."""
    # the field values in a fixed order, dumped by orjson: deterministic, and 4× cheaper than their
    # repr (bulk imports stamp 100k documents in one go)
    values = {**_DEFAULTS, **values}
    content = orjson.dumps(tuple(values[name] for name in _HASHED_FIELDS))
    values["version"] = hashlib.sha1(content, usedforsecurity=False).hexdigest()[:16]
    return Listing(**values)


_HASHED_FIELDS = tuple(f.name for f in fields(Listing) if f.name != "version")
_DEFAULTS = {f.name: f.default for f in fields(Listing) if f.default is not MISSING}
