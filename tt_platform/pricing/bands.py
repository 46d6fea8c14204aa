"""Reference price bands from comparable registered contracts: the rule, without Flask or the database.

A band is the 25th percentile, median and 75th percentile of the 技术交易额 of comparable registered
contracts, in fen. Comparable means, in this order:

1. the same contract types (a result is priced against transfers and licences; a demand against the
   types its cooperation modes name);
2. the same 技术领域 (step "field"); when fewer than MIN_COMPARABLES remain, the same field group
   (step "group"), then every field (step "all"); the page names the step reached;
3. within a step, ranked by similarity: same sub-type or IP type, TRL distance (through the result
   linked to the contract; unknown counts as neutral) and recency (half weight after HALF_LIFE_YEARS),
   keeping the MAX_COMPARABLES most similar.

The matching engine's text similarity is not used: registered contracts have no search documents of
their own; only those linked to a result could be scored, through matching.services.matches_for(result,
same_side=True), one more engine query per page for the few contracts that carry a link, and the
backtest (bench/pricing.py) could not measure it. The page says so. Amounts are nominal (no price index
is applied), which the page says too.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: Below this many comparables there is no band, at any step.
MIN_COMPARABLES = 5
#: The most similar comparables kept for the band.
MAX_COMPARABLES = 50
#: Recency: a contract this many years old weighs half as much in the ranking.
HALF_LIFE_YEARS = 3

STEP_FIELD, STEP_GROUP, STEP_ALL = "field", "group", "all"
STEPS = (STEP_FIELD, STEP_GROUP, STEP_ALL)

#: Field groups for widening (our grouping of the 11 official 技术领域; the official list has none).
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    # information and aerospace electronics share engineering markets and buyers
    "ICT": ("T01", "T02"),
    # manufacturing, transport and nuclear applications are equipment-heavy engineering
    "ENG": ("T03", "T08", "T10"),
    # biology, medicine and agriculture are life-science results (breeding, drugs, devices)
    "LIFE": ("T04", "T09"),
    # materials, energy and environment are process and materials technologies
    "MAT": ("T05", "T06", "T07"),
    # urban construction and social development stands alone
    "CITY": ("T11",),
}
FIELD_GROUP_OF = {code: group for group, codes in FIELD_GROUPS.items() for code in codes}

#: Contract types a listing's cooperation modes point to (taxonomy.COOPERATION_MODES → type codes).
MODE_TYPES = {"transfer": "TRF", "license": "LIC", "commissioned_dev": "DEV", "joint_dev": "DEV",
              "consulting": "CON", "service": "SRV"}
#: Transfer and licence are one market for a result: both sell the right to use a technology.
RESULT_TYPES = ("TRF", "LIC")

FEN = Decimal(1)


@dataclass(frozen=True, slots=True)
class Comparable:
    """What the rule reads of one registered contract."""

    id: int
    type_code: str
    subtype_code: str
    field_code: str
    ip_type: str | None
    trl: int | None
    registered_on: dt.date
    tech_fen: int
    is_demo: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """What is priced: the contract types it would be sold under, its field, IP types and TRL."""

    type_codes: tuple[str, ...]
    field_code: str | None
    ip_types: tuple[str, ...] = ()
    trl: int | None = None
    subtype_code: str | None = None
    as_of: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Band:
    count: int
    p25_fen: int
    median_fen: int
    p75_fen: int


@dataclass(frozen=True, slots=True)
class Selection:
    step: str | None  #: the widening step reached; None when not even STEP_ALL has enough
    comparables: tuple[Comparable, ...]  #: most similar first
    band: Band | None
    #: candidates of the right types at each step (what the page explains)
    counts: tuple[tuple[str, int], ...] = ()


def percentile_fen(sorted_fen: Sequence[int], p: Decimal) -> int:
    """The p-quantile (0 ≤ p ≤ 1) of sorted amounts, linear between order statistics (Hyndman & Fan
    type 7, numpy's default), in exact decimals and rounded half up to the fen."""
    if not sorted_fen:
        raise ValueError("no amounts")
    if not Decimal(0) <= p <= Decimal(1):
        raise ValueError("p outside [0, 1]")
    h = (len(sorted_fen) - 1) * Decimal(p)
    low = int(h)  # h ≥ 0, so int() floors
    frac = h - low
    if low + 1 >= len(sorted_fen) or frac == 0:
        return int(sorted_fen[low])
    value = Decimal(sorted_fen[low]) + frac * (Decimal(sorted_fen[low + 1]) - Decimal(sorted_fen[low]))
    return int(value.quantize(FEN, rounding=ROUND_HALF_UP))


def band_of(amounts_fen: Iterable[int]) -> Band | None:
    values = sorted(int(v) for v in amounts_fen)
    if len(values) < MIN_COMPARABLES:
        return None
    return Band(count=len(values), p25_fen=percentile_fen(values, Decimal("0.25")),
                median_fen=percentile_fen(values, Decimal("0.5")), p75_fen=percentile_fen(values, Decimal("0.75")))


def median_fen(amounts_fen: Iterable[int]) -> int | None:
    values = sorted(amounts_fen)
    return percentile_fen(values, Decimal("0.5")) if values else None


def similarity(target: Target, c: Comparable) -> float:
    """Ranking score within a step (not money: floats are fine here). Unknown features score neutral."""
    score = 0.0
    if target.subtype_code and c.subtype_code == target.subtype_code:
        score += 1.0
    if target.ip_types and c.ip_type:
        score += 1.0 if c.ip_type in target.ip_types else 0.0
    else:
        score += 0.5
    if target.trl and c.trl:
        score += 1.0 - abs(target.trl - c.trl) / 8
    else:
        score += 0.5
    if target.as_of is not None:
        age_years = max(0, (target.as_of - c.registered_on).days) / 365.25
        score += math.pow(0.5, age_years / HALF_LIFE_YEARS)
    return score


def _in_step(target: Target, c: Comparable, step: str) -> bool:
    if step == STEP_ALL or not target.field_code:
        return True
    if step == STEP_FIELD:
        return c.field_code == target.field_code
    group = FIELD_GROUP_OF.get(target.field_code)
    return group is not None and FIELD_GROUP_OF.get(c.field_code) == group


def select(target: Target, pool: Iterable[Comparable]) -> Selection:
    """Comparables of `target` from `pool`, widening field → group → all until MIN_COMPARABLES remain."""
    candidates = [c for c in pool if c.type_code in target.type_codes and c.tech_fen > 0
                  and (target.as_of is None or c.registered_on <= target.as_of)]
    counts = []
    for step in STEPS if target.field_code else (STEP_ALL,):
        chosen = [c for c in candidates if _in_step(target, c, step)]
        counts.append((step, len(chosen)))
        if len(chosen) >= MIN_COMPARABLES:
            ranked = sorted(chosen, key=lambda c: (-similarity(target, c), -c.registered_on.toordinal(), c.id))
            kept = tuple(ranked[:MAX_COMPARABLES])
            return Selection(step=step, comparables=kept, band=band_of(c.tech_fen for c in kept),
                             counts=tuple(counts))
    return Selection(step=None, comparables=(), band=None, counts=tuple(counts))


def types_for_modes(modes: Iterable[str], default: tuple[str, ...]) -> tuple[str, ...]:
    found = []
    for mode in modes or ():
        code = MODE_TYPES.get(mode)
        if code and code not in found:
            found.append(code)
    return tuple(found) or default
