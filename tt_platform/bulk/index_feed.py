"""Search indexing alongside a large import, instead of a drain after it.

Each chunk of saved listings is handed to the engine as soon as it is flushed, so the engine analyses
it (in its own worker processes, on the other core) while the import goes on with the next rows;
the documents become searchable in `finish`, after the import's commit, which also marks the
import's outbox rows processed. If the import is rolled back, `abandon` drops them; if the engine
is unavailable, the outbox rows stay pending and the next drain indexes them from the database.
"""
from __future__ import annotations

from tt_platform.indexing import outbox, registry, sync


class IndexFeed:
    def __init__(self):
        self.bulk = sync.BulkIndexer()
        self.entities = registry.entities()
        self.keys: list[tuple[str, int]] = []

    def __call__(self, saved: list) -> None:
        """Services' `on_saved` hook: the chunk's listings, flushed (with ids) and in their final state."""
        documents = []
        for obj in saved:
            entity = self.entities.get(getattr(obj, "entity_type", None))
            if entity is not None:
                documents.append(entity.to_document(obj))
                self.keys.append((entity.name, obj.id))
        if documents:
            self.bulk.add(documents)

    def abandon(self) -> None:
        self.bulk.abandon()

    def finish(self) -> bool:
        """After the commit: publish the documents and mark the import's outbox rows processed (the caller
        commits those marks). False when the engine was unavailable (the rows stay pending)."""
        return self.bulk.finish(outbox.pending_ids(self.keys))
