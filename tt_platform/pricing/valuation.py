"""The three approaches of intangible-asset appraisal practice, in exact decimals (no Flask, no database).

Amounts are Decimal 万元 in and Decimal 万元 out; rates are percentages as Decimal (5 means 5 %). The
worksheet stores results as integer fen (`to_fen`), rounded half up once, at the end.

- 市场法 (market approach): base × Π(1 + factorᵢ/100), each factor a stated adjustment with a reason.
- 收益法 (income approach, royalty / profit share): PV = Σₜ Rₜ × s / (1 + r)ᵗ for t = 1…N, where Rₜ is
  the expected sales (or profit) of year t, s the seller's share (分成率) and r the discount rate.
- 成本法 (cost approach): (people + equipment + materials + other) × (1 − technical obsolescence)
  × (1 − economic obsolescence).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from tt_platform.money import FEN_PER_WAN

HUNDRED = Decimal(100)
#: Multipliers of the share and steps (percentage points) of the discount rate in the sensitivity table.
SHARE_STEPS = (Decimal("0.8"), Decimal("0.9"), Decimal(1), Decimal("1.1"), Decimal("1.2"))
RATE_STEPS = (Decimal(-4), Decimal(-2), Decimal(0), Decimal(2), Decimal(4))
MAX_YEARS = 20


def to_fen(wan: Decimal) -> int:
    """万元 → integer fen, rounded half up (the one rounding of a worksheet figure)."""
    return int((Decimal(wan) * FEN_PER_WAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Factor:
    name: str
    percent: Decimal  #: +10 raises the value by 10 %, −15 lowers it by 15 %
    reason: str


def market_value(base_wan: Decimal, factors: Sequence[Factor]) -> Decimal:
    """市场法: the comparable-deal base adjusted by each stated factor in turn."""
    with localcontext() as ctx:
        ctx.prec = 40
        value = Decimal(base_wan)
        for f in factors:
            value *= 1 + Decimal(f.percent) / HUNDRED
        return value


@dataclass(frozen=True, slots=True)
class IncomeYear:
    year: int
    revenue_wan: Decimal
    royalty_wan: Decimal
    discount_factor: Decimal
    pv_wan: Decimal


def income_schedule(revenues_wan: Sequence[Decimal], share_pct: Decimal, rate_pct: Decimal) -> list[IncomeYear]:
    """收益法 year by year: royalty = revenue × share, PV = royalty / (1 + r)ᵗ."""
    if not revenues_wan or len(revenues_wan) > MAX_YEARS:
        raise ValueError("between 1 and 20 years")
    if rate_pct <= -100:
        raise ValueError("discount rate must be above -100 %")
    with localcontext() as ctx:
        ctx.prec = 40
        share, rate = Decimal(share_pct) / HUNDRED, Decimal(rate_pct) / HUNDRED
        rows = []
        for t, revenue in enumerate(revenues_wan, start=1):
            factor = 1 / (1 + rate) ** t
            royalty = Decimal(revenue) * share
            rows.append(IncomeYear(t, Decimal(revenue), royalty, factor, royalty * factor))
        return rows


def income_value(revenues_wan: Sequence[Decimal], share_pct: Decimal, rate_pct: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return sum((row.pv_wan for row in income_schedule(revenues_wan, share_pct, rate_pct)), Decimal(0))


def sensitivity(revenues_wan: Sequence[Decimal], share_pct: Decimal, rate_pct: Decimal
                ) -> tuple[list[Decimal], list[Decimal], list[list[Decimal]]]:
    """PV over shares (rows: share × 0.8 … 1.2) and discount rates (columns: r − 4 … r + 4 points;
    rates at or below 0 % are left out). Returns (shares, rates, table)."""
    shares = [Decimal(share_pct) * m for m in SHARE_STEPS]
    rates = [Decimal(rate_pct) + d for d in RATE_STEPS if Decimal(rate_pct) + d > 0]
    return shares, rates, [[income_value(revenues_wan, s, r) for r in rates] for s in shares]


@dataclass(frozen=True, slots=True)
class CostInputs:
    people_wan: Decimal
    equipment_wan: Decimal
    materials_wan: Decimal
    other_wan: Decimal
    technical_obsolescence_pct: Decimal
    economic_obsolescence_pct: Decimal

    @property
    def replacement_wan(self) -> Decimal:
        return self.people_wan + self.equipment_wan + self.materials_wan + self.other_wan


def cost_value(inputs: CostInputs) -> Decimal:
    """成本法: replacement cost less technical, then economic obsolescence (each a share of what is left)."""
    for pct in (inputs.technical_obsolescence_pct, inputs.economic_obsolescence_pct):
        if not Decimal(0) <= pct <= HUNDRED:
            raise ValueError("obsolescence between 0 and 100 %")
    with localcontext() as ctx:
        ctx.prec = 40
        return (inputs.replacement_wan * (1 - inputs.technical_obsolescence_pct / HUNDRED)
                * (1 - inputs.economic_obsolescence_pct / HUNDRED))
