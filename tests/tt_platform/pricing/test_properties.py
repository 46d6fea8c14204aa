"""Property tests: a band's percentiles lie within its comparables' range and never fall when a larger
contract is added."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tt_platform.pricing import bands

amounts = st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=60)
PS = [Decimal("0.25"), Decimal("0.5"), Decimal("0.75")]


@given(amounts)
def test_percentiles_lie_within_the_range_in_order(values):
    values = sorted(values)
    found = [bands.percentile_fen(values, p) for p in PS]
    assert values[0] <= found[0] <= found[1] <= found[2] <= values[-1]


@given(amounts, st.integers(min_value=0, max_value=10**12))
def test_adding_a_larger_amount_never_lowers_a_percentile(values, extra):
    values = sorted(values)
    larger = values[-1] + extra
    before = [bands.percentile_fen(values, p) for p in PS]
    after = [bands.percentile_fen(sorted([*values, larger]), p) for p in PS]
    assert all(b <= a for b, a in zip(before, after, strict=True))


def _comparable(n: int, amount: int, field: str) -> bands.Comparable:
    return bands.Comparable(n, "TRF", "TRF-01", field, "invention_patent", None,
                            dt.date(2026, 1, 1) + dt.timedelta(days=n % 300), amount)


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(1, 10**11), st.sampled_from(["T01", "T02", "T09"])),
                min_size=5, max_size=bands.MAX_COMPARABLES - 1), st.integers(0, 10**11))
def test_the_band_of_a_pool_moves_up_when_a_larger_contract_joins(rows, extra):
    target = bands.Target(("TRF", "LIC"), "T01", as_of=dt.date(2026, 12, 31))
    pool = [_comparable(n, amount, field) for n, (amount, field) in enumerate(rows)]
    before = bands.select(target, pool)
    assert before.band is not None
    kept = [c.tech_fen for c in before.comparables]
    assert min(kept) <= before.band.p25_fen <= before.band.median_fen <= before.band.p75_fen <= max(kept)
    # the newcomer is in the target's field, so it joins whatever step was reached
    newcomer = _comparable(len(pool), max(c.tech_fen for c in pool) + extra, "T01")
    after = bands.select(target, [*pool, newcomer])
    if after.step == before.step:
        assert after.band.p25_fen >= before.band.p25_fen
        assert after.band.median_fen >= before.band.median_fen
        assert after.band.p75_fen >= before.band.p75_fen
