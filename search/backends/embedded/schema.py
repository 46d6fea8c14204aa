"""The embedded engine's tantivy schema: its fields, how a listing maps onto them, and opening the
index directory (an index of an older schema version is dropped, to be rebuilt from the database)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import tantivy

from search.backends.base import BackendUnavailable
from search.documents import Listing, doc_id, listing_to_json, split_doc_id
from search.regions import region_prefixes

#: One field per channel. Title and keywords weigh more because they are repeated in the field
#: (title ×3, keywords ×2 for words; title ×2 for bigrams): one scorer per query term instead of
#: one per term and field keeps long demand queries fast, at equal quality on the dev set.
CHANNEL_FIELDS = {"words": (("w_all", 1.0),), "bigrams": (("b_all", 1.0),)}
TITLE_REPEAT, KEYWORD_REPEAT, TITLE_BIGRAM_REPEAT = 3, 2, 2
SCHEMA_VERSION = "4"
#: Numeric form of document ids ('<kind>:<integer id>') kept in a fast field, so that hits are
#: identified without loading stored documents.
KIND_CODES = {"achievement": 1, "demand": 2}
KIND_NAMES = {v: k for k, v in KIND_CODES.items()}
KIND_FACTOR = 10**12
#: The stored copy of a listing keeps a preview of its text: explanations and filters need no more.
STORED_TEXT_CHARS = 400


def doc_number(doc_id: str) -> int:
    kind, entity_id = split_doc_id(doc_id)
    return KIND_CODES[kind] * KIND_FACTOR + entity_id


def doc_id_of(number: int) -> str:
    return doc_id(KIND_NAMES[number // KIND_FACTOR], number % KIND_FACTOR)


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in ("kind", "field_code", "status", "org_kind", "mode", "region_p", "version"):
        sb.add_text_field(name, stored=False, tokenizer_name="raw", fast=True)
    for name in ("w_all", "b_all"):
        sb.add_text_field(name, stored=False, tokenizer_name="whitespace", index_option="freq")
    sb.add_integer_field("num", indexed=False, fast=True)
    sb.add_integer_field("trl", indexed=True, fast=True)
    sb.add_integer_field("public", indexed=True, fast=True)
    sb.add_float_field("amount_low", indexed=True, fast=True)
    sb.add_float_field("amount_high", indexed=True, fast=True)
    sb.add_float_field("published", indexed=True, fast=True)
    sb.add_bytes_field("doc", stored=True, indexed=False)
    return sb.build()


def open_index(path: Path, schema: tantivy.Schema) -> tantivy.Index:
    """Open (or create) the index in `path`. A directory of an older layout (another SCHEMA_VERSION) is
    dropped, to be rebuilt from the database by `flask search rebuild`.

    Several processes open one directory (web workers, the drain, commands): the marker is written only
    when it is missing or old, and atomically (a temporary file renamed over it), and an empty marker is
    never taken for an old layout. A marker rewritten in place on every opening could be read half-way —
    empty — by another process starting at that moment, which then deleted the whole index."""
    path.mkdir(parents=True, exist_ok=True)
    marker = path / "SCHEMA_VERSION"
    found = _read_marker(marker)
    if found is not None and found != SCHEMA_VERSION:
        shutil.rmtree(path)  # an old layout: rebuilt from the database by `flask search rebuild`
        path.mkdir(parents=True)
        found = None
    try:
        index = tantivy.Index(schema, path=str(path), reuse=True)
    except (ValueError, OSError) as exc:
        raise BackendUnavailable(str(exc)) from exc
    if found != SCHEMA_VERSION:
        temporary = marker.with_name(f"{marker.name}.{os.getpid()}.tmp")
        temporary.write_text(SCHEMA_VERSION)
        os.replace(temporary, marker)
    return index


def outdated(path: Path) -> bool:
    """Whether the directory holds an index of an older layout (which opening it drops)."""
    found = _read_marker(path / "SCHEMA_VERSION")
    return found is not None and found != SCHEMA_VERSION


def _read_marker(marker: Path) -> str | None:
    try:
        return marker.read_text().strip() or None
    except FileNotFoundError:
        return None


def document(listing: Listing, fields: tuple[str, str, str, str, str]) -> tantivy.Document:
    """The tantivy document of a listing, given its analysed text fields (see writer._analysed_parts)."""
    doc = tantivy.Document()
    doc.add_text("id", listing.doc_id)
    doc.add_integer("num", doc_number(listing.doc_id))
    doc.add_text("kind", listing.kind)
    doc.add_text("status", listing.status)
    doc.add_text("version", listing.version)
    if listing.field_code:
        doc.add_text("field_code", listing.field_code)
    if listing.org_kind:
        doc.add_text("org_kind", listing.org_kind)
    for mode in listing.modes:
        doc.add_text("mode", mode)
    for prefix in region_prefixes(listing.region_code):
        doc.add_text("region_p", prefix)
    w_title, w_kw, w_text, b_title, b_text = fields
    doc.add_text("w_all", " ".join([w_title] * TITLE_REPEAT + [w_kw] * KEYWORD_REPEAT + [w_text]))
    doc.add_text("b_all", " ".join([b_title] * TITLE_BIGRAM_REPEAT + [b_text]))
    doc.add_integer("trl", listing.trl or 0)
    doc.add_integer("public", 1 if listing.public else 0)
    doc.add_float("amount_low", listing.amount_low if listing.amount_low is not None else -1.0)
    doc.add_float("amount_high", listing.amount_high if listing.amount_high is not None else -1.0)
    doc.add_float("published", listing.published_at or 0.0)
    doc.add_bytes("doc", listing_to_json(listing, text_chars=STORED_TEXT_CHARS))
    return doc
