"""Backend-neutral documents and queries."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

import orjson

from search.regions import region_prefixes

ACHIEVEMENT = "achievement"
DEMAND = "demand"
KINDS = (ACHIEVEMENT, DEMAND)


def doc_id(kind: str, entity_id: int) -> str:
    """The id of a listing in every engine and vector store: '<kind>:<integer id>' ('demand:42')."""
    if not kind or ":" in kind:
        raise ValueError(f"not a listing kind: {kind!r}")
    return f"{kind}:{entity_id}"


def split_doc_id(doc_id: str) -> tuple[str, int]:
    """'demand:42' → ('demand', 42); ValueError unless the id is '<kind>:<digits>'."""
    kind, sep, entity_id = doc_id.partition(":")
    if not (kind and sep and entity_id.isascii() and entity_id.isdigit()):
        raise ValueError(f"not a document id: {doc_id!r}")
    return kind, int(entity_id)


@dataclass(frozen=True, slots=True)
class Listing:
    """A demand or a research result, flattened for search. `doc_id` is '<kind>:<id>' (see `doc_id()`)."""

    doc_id: str
    kind: str
    title: str
    text: str
    keywords: tuple[str, ...] = ()
    field_code: str | None = None
    region_code: str | None = None
    #: result: its TRL; demand: the TRL it requires
    trl: int | None = None
    modes: tuple[str, ...] = ()
    #: result: asking price (low = high); demand: budget range; 万元; None = negotiable/unknown
    amount_low: float | None = None
    amount_high: float | None = None
    #: epoch seconds of publication (None: unpublished)
    published_at: float | None = None
    status: str = "published"
    org_kind: str | None = None
    org_name: str = ""
    external_ref: str | None = None
    #: visible in public search (published/negotiating/solved and not expired)
    public: bool = True
    #: hash of the indexed content, for reconcile
    version: str = ""

    @property
    def entity_id(self) -> str:
        return str(split_doc_id(self.doc_id)[1])


_LISTING_FIELDS = tuple(f.name for f in fields(Listing))


def listing_dict(listing: Listing) -> dict:
    """The listing's fields as a flat dict (tuples stay tuples). Far cheaper than dataclasses.asdict,
    which deep-copies every value; JSON encodes both the same way."""
    return {name: getattr(listing, name) for name in _LISTING_FIELDS}


def listing_to_json(listing: Listing, *, text_chars: int | None = None) -> bytes:
    """The stored copy of a listing, its text cut to `text_chars` if given."""
    data = listing_dict(listing)
    if text_chars is not None:
        data["text"] = data["text"][:text_chars]
    return orjson.dumps(data)  # ~10× json.dumps: every indexed document and every hit pass through here


def listing_from_json(raw: bytes) -> Listing:
    """The listing of a stored copy (`listing_to_json`, or the same fields in any JSON)."""
    data = orjson.loads(raw)
    for key in ("keywords", "modes"):
        data[key] = tuple(data[key])
    return Listing(**data)


@dataclass(frozen=True, slots=True)
class Filters:
    """Hard filters shared by search and matching (all optional)."""

    kind: str | None = None
    field_codes: tuple[str, ...] = ()
    region_prefix: str | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    mode: str | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    statuses: tuple[str, ...] = ()
    org_kind: str | None = None
    public_only: bool = True
    exclude_ids: tuple[str, ...] = ()


def accepts(f: Filters, doc: Listing) -> bool:
    """The same filters the engines apply, for candidates that come from elsewhere (dense vectors)."""
    return not (
        (f.kind and doc.kind != f.kind) or (f.public_only and not doc.public)
        or (f.field_codes and doc.field_code not in f.field_codes)
        or (f.region_prefix and f.region_prefix not in region_prefixes(doc.region_code))
        or (f.trl_min and (doc.trl or 0) < f.trl_min) or (f.trl_max and (doc.trl or 0) > f.trl_max)
        or (f.mode and f.mode not in doc.modes)
        or (f.amount_min is not None and (doc.amount_high is None or doc.amount_high < f.amount_min))
        or (f.amount_max is not None and (doc.amount_low is None or doc.amount_low > f.amount_max))
        or (f.statuses and doc.status not in f.statuses) or (f.org_kind and doc.org_kind != f.org_kind)
        or doc.doc_id in f.exclude_ids
    )


@dataclass(frozen=True, slots=True)
class MatchQuery:
    """What a listing (or an ad-hoc demand text) is looking for on the other side."""

    title: str
    text: str
    keywords: tuple[str, ...] = ()
    field_code: str | None = None
    region_code: str | None = None
    trl: int | None = None
    modes: tuple[str, ...] = ()
    amount_low: float | None = None
    amount_high: float | None = None
    #: the kind of listing wanted (results for a demand, demands for a result)
    target_kind: str = ACHIEVEMENT
    filters: Filters = field(default_factory=Filters)
    #: the stored listing this query describes (its vector is looked up instead of embedding it)
    source_id: str | None = None

    @classmethod
    def from_listing(cls, listing: Listing, target_kind: str, filters: Filters | None = None) -> MatchQuery:
        return cls(
            title=listing.title, text=listing.text, keywords=listing.keywords, field_code=listing.field_code,
            region_code=listing.region_code, trl=listing.trl, modes=listing.modes,
            amount_low=listing.amount_low, amount_high=listing.amount_high, target_kind=target_kind,
            filters=filters or Filters(kind=target_kind, exclude_ids=(listing.doc_id,)), source_id=listing.doc_id,
        )
