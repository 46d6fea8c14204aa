"""Where a deal comes from: a broker's matchmaking case, a roadshow, or a trading route.

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
    #: what to call it on the contract page, for origins found from the contract (a price notice, …)
    label: str = ""


Finder = Callable[[int, object], DealOrigin | None]
_FINDERS: dict[str, Finder] = {}


def register(kind: str, finder: Finder) -> None:
    """`finder(origin_id, viewer)` returns the origin when the viewer may see it, else None."""
    _FINDERS[kind] = finder


def find(kind: str, origin_id: int | None, viewer) -> DealOrigin | None:
    finder = _FINDERS.get(kind)
    return finder(origin_id, viewer) if finder is not None and origin_id else None


ContractFinder = Callable[[object, object], DealOrigin | None]
_CONTRACT_FINDERS: dict[str, ContractFinder] = {}


def register_for_contract(kind: str, finder: ContractFinder) -> None:
    """For origins that point at the contract rather than the other way round (a price notice keeps the
    contract it drafted): `finder(contract, viewer)` returns the origin when there is one the viewer may see."""
    _CONTRACT_FINDERS[kind] = finder


def of_contract(contract, viewer) -> list[DealOrigin]:
    return [origin for finder in _CONTRACT_FINDERS.values() if (origin := finder(contract, viewer)) is not None]
