"""How far a background import has got: a small JSON file beside the upload, written atomically.

Why a file and not a database row: the import runs in one long transaction, and on SQLite a second
connection cannot write while that transaction holds the write lock; on PostgreSQL an uncommitted
progress row would be invisible to the page that polls it. The file is readable by every process
(the web workers and `flask import work`) and doubles as the run's heartbeat: a running job whose
file has not moved for `STALE_AFTER` is shown as interrupted and may be resumed.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

#: A run that has not reported for this long is taken for dead (it reports at least every second).
STALE_AFTER = 120.0
_EVERY = 0.5  #: seconds between two writes of the file


def path_for(folder: Path, stored_name: str) -> Path:
    return folder / f"{stored_name}.progress.json"


@dataclass
class Snapshot:
    phase: str  #: "checking" | "importing" | "indexing"
    done: int
    total: int | None  #: rows expected (the file's own count where it has one), None when unknown
    at: float  #: time.time() of the last report

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    @property
    def stale(self) -> bool:
        return time.time() - self.at > STALE_AFTER


class Reporter:
    """Called once per row by the import; writes the file at most every half second (and at the end)."""

    def __init__(self, path: Path, phase: str, total: int | None):
        self.path, self.phase, self.total = path, phase, total
        self.done = 0
        self._written = 0.0
        self.write()

    def __call__(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if now - self._written >= _EVERY:
            self.write()

    def write(self) -> None:
        self._written = time.monotonic()
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"phase": self.phase, "done": self.done, "total": self.total,
                                         "at": time.time()}))
        os.replace(temporary, self.path)  # readers see the old file or the new one, never half of one


def read(path: Path) -> Snapshot | None:
    try:
        data = json.loads(path.read_text())
        return Snapshot(phase=str(data["phase"]), done=int(data["done"]),
                        total=int(data["total"]) if data.get("total") is not None else None, at=float(data["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
