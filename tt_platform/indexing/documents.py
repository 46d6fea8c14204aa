"""Helpers the feature mappings share when they turn a listing into a search document."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace

from search.documents import Listing, listing_dict
from tt_platform.listings.models import PUBLIC_STATES, ListingStatus


def amount(value) -> float | None:
    return float(value) if value is not None else None


def epoch(moment) -> float | None:
    return moment.timestamp() if moment is not None else None


def is_public(listing) -> bool:
    status = listing.effective_status
    return status in PUBLIC_STATES and status is not ListingStatus.EXPIRED


def with_version(doc: Listing) -> Listing:
    """Stamp the document with a hash of its content: reconcile compares these with the index."""
    # A shallow dict gives the same JSON as dataclasses.asdict (tuples become arrays either way) at a
    # fraction of the cost: asdict deep-copies every field, which dominated bulk imports.
    payload = json.dumps({k: v for k, v in listing_dict(doc).items() if k != "version"}, ensure_ascii=False,
                         sort_keys=True, default=str)
    return replace(doc, version=hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()[:16])
