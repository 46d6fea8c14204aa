"""Where a deal comes from: a broker's matchmaking case or a roadshow.

A contract stores the ids; the packages that own cases and roadshows stand on contracts (a case may
record a contract), so they register here, from their own `init_app`, how to describe one of theirs
to a viewer. Contracts never import them: an origin nobody registered, or one the viewer may not
see, is simply not shown."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

CASE = "case"
ROADSHOW = "roadshow"


@dataclass(frozen=True)
class DealOrigin:
    kind: str
    id: int
    title: str
    url: str
    #: a case's roadshow, when the case came from one
    roadshow_id: int | None = None
    #: the listings a case works on, first of each side (to pre-fill "record a deal")
    demand_id: int | None = None
    achievement_id: int | None = None


Finder = Callable[[int, object], DealOrigin | None]
_FINDERS: dict[str, Finder] = {}


def register(kind: str, finder: Finder) -> None:
    """`finder(origin_id, viewer)` returns the origin when the viewer may see it, else None."""
    _FINDERS[kind] = finder


def find(kind: str, origin_id: int | None, viewer) -> DealOrigin | None:
    finder = _FINDERS.get(kind)
    return finder(origin_id, viewer) if finder is not None and origin_id else None
