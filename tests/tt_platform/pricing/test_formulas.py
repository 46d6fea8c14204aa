"""Every pricing formula against hand-computed values: percentiles (ties, tiny samples), the widening rule,
the three valuation approaches, the income-tax relief at the 500万元 boundary and the VAT lines."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tt_platform.pricing import bands, tax, valuation
from tt_platform.pricing.bands import Comparable, Target

D = Decimal


# --- percentiles ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "p", "expected"), [
    ([1, 2, 3, 4, 5], "0.25", 2), ([1, 2, 3, 4, 5], "0.5", 3), ([1, 2, 3, 4, 5], "0.75", 4),
    # h = 0.75 → 10 + 0.75 × 10 = 17.5 → 18 (half up); h = 1.5 → 25; h = 2.25 → 32.5 → 33
    ([10, 20, 30, 40], "0.25", 18), ([10, 20, 30, 40], "0.5", 25), ([10, 20, 30, 40], "0.75", 33),
    ([5, 5, 5, 5, 5], "0.25", 5), ([5, 5, 5, 9, 9], "0.5", 5), ([5, 5, 9, 9], "0.5", 7),
    ([100], "0.25", 100), ([100], "0.75", 100), ([100, 101], "0.5", 101),  # 100.5 → 101
    ([100, 200], "0", 100), ([100, 200], "1", 200),
])
def test_percentile_by_hand(values, p, expected):
    assert bands.percentile_fen(values, D(p)) == expected


def test_percentile_refuses_nothing_and_bad_p():
    with pytest.raises(ValueError, match="no amounts"):
        bands.percentile_fen([], D("0.5"))
    with pytest.raises(ValueError, match="outside"):
        bands.percentile_fen([1], D("1.5"))


def test_band_needs_five_amounts():
    assert bands.band_of([1, 2, 3, 4]) is None
    assert bands.band_of([50, 10, 40, 20, 30]) == bands.Band(5, 20, 30, 40)


def _c(n, field="T01", type_code="TRF", amount=1_000_000, ip="invention_patent", trl=None, day=dt.date(2026, 6, 1),
       subtype=None):
    return Comparable(n, type_code, subtype or f"{type_code}-01", field, ip, trl, day, amount)


def test_widening_steps_field_group_all():
    target = Target(("TRF", "LIC"), "T01", as_of=dt.date(2026, 12, 1))
    same_field = [_c(i, "T01") for i in range(5)]
    assert bands.select(target, same_field).step == bands.STEP_FIELD
    group = [_c(i, "T01") for i in range(3)] + [_c(10 + i, "T02") for i in range(2)]  # T02 shares ICT
    selection = bands.select(target, group)
    assert selection.step == bands.STEP_GROUP and len(selection.comparables) == 5
    assert selection.counts == (("field", 3), ("group", 5))
    everywhere = [_c(i, "T01") for i in range(3)] + [_c(10 + i, "T09") for i in range(2)]
    assert bands.select(target, everywhere).step == bands.STEP_ALL
    too_few = [_c(i, "T09") for i in range(4)]
    selection = bands.select(target, too_few)
    assert selection.step is None and selection.band is None and selection.counts[-1] == ("all", 4)


def test_only_the_target_types_registered_before_it_and_with_an_amount_count():
    target = Target(("TRF", "LIC"), "T01", as_of=dt.date(2026, 6, 30))
    pool = [_c(i, "T01") for i in range(4)] + [
        _c(10, type_code="DEV"), _c(11, day=dt.date(2026, 7, 1)), _c(12, amount=0), _c(13, type_code="LIC")]
    selection = bands.select(target, pool)
    assert {c.id for c in selection.comparables} == {0, 1, 2, 3, 13}


def test_ranking_prefers_the_same_ip_type_close_trl_and_recent_deals():
    target = Target(("TRF", "LIC"), "T01", ip_types=("invention_patent",), trl=6, as_of=dt.date(2026, 12, 1))
    a = _c(1, ip="invention_patent", trl=6, day=dt.date(2026, 11, 1))
    b = _c(2, ip="software_copyright", trl=6, day=dt.date(2026, 11, 1))
    c = _c(3, ip="invention_patent", trl=2, day=dt.date(2026, 11, 1))
    old = _c(4, ip="invention_patent", trl=6, day=dt.date(2023, 11, 1))  # three years: half weight
    assert bands.similarity(target, a) > bands.similarity(target, old) > bands.similarity(target, c)
    assert bands.similarity(target, a) > bands.similarity(target, b)
    # unknown features score neutral (0.5), between a match (1) and a mismatch (0)
    unknown = _c(5, ip=None, trl=6, day=dt.date(2026, 11, 1))
    assert bands.similarity(target, b) < bands.similarity(target, unknown) < bands.similarity(target, a)


def test_at_most_the_most_similar_are_kept():
    target = Target(("TRF",), "T01", as_of=dt.date(2026, 12, 1))
    pool = [_c(i, day=dt.date(2020, 1, 1) + dt.timedelta(days=i)) for i in range(bands.MAX_COMPARABLES + 10)]
    kept = bands.select(target, pool).comparables
    assert len(kept) == bands.MAX_COMPARABLES and kept[0].id == bands.MAX_COMPARABLES + 9  # newest first


def test_demand_modes_name_the_contract_types():
    assert bands.types_for_modes(["commissioned_dev", "joint_dev", "license"], ("DEV",)) == ("DEV", "LIC")
    assert bands.types_for_modes(["equity"], ("DEV",)) == ("DEV",)


# --- valuation -----------------------------------------------------------------------------------

def test_market_value_applies_each_factor():
    factors = [valuation.Factor("技术先进性", D(10), "优于可比专利"), valuation.Factor("剩余寿命", D(-20), "仅剩8年")]
    assert valuation.market_value(D(100), factors) == D(88)  # 100 × 1.1 × 0.8
    assert valuation.market_value(D("123.45"), []) == D("123.45")


def test_income_value_by_hand():
    # 3 years of 100 万元 sales, share 5 %, discount 10 %: 5/1.1 + 5/1.21 + 5/1.331 = 16.55/1.331
    schedule = valuation.income_schedule([D(100)] * 3, D(5), D(10))
    assert [r.royalty_wan for r in schedule] == [D(5)] * 3
    assert abs(schedule[1].discount_factor - 1 / D("1.21")) < D("1e-25")
    pv = valuation.income_value([D(100)] * 3, D(5), D(10))
    assert abs(pv - D("16.55") / D("1.331")) < D("1e-25")
    assert valuation.to_fen(pv) == 12_434_260  # 12.434259954… 万元, half up to the fen


def test_income_sensitivity_table():
    shares, rates, table = valuation.sensitivity([D(100)] * 3, D(5), D(10))
    assert shares == [D(4), D("4.5"), D(5), D("5.5"), D(6)]
    assert rates == [D(6), D(8), D(10), D(12), D(14)]
    assert table[2][2] == valuation.income_value([D(100)] * 3, D(5), D(10))
    # more share → more value; higher rate → less value
    assert all(row[0] > row[-1] for row in table) and all(table[0][j] < table[-1][j] for j in range(5))
    _shares, low_rates, _t = valuation.sensitivity([D(100)], D(5), D(3))
    assert low_rates == [D(1), D(3), D(5), D(7)]  # rates at or below 0 % are left out


def test_income_needs_years():
    with pytest.raises(ValueError, match="between 1 and 20"):
        valuation.income_schedule([], D(5), D(10))
    with pytest.raises(ValueError, match="between 1 and 20"):
        valuation.income_schedule([D(1)] * 21, D(5), D(10))


def test_cost_value_less_obsolescence():
    inputs = valuation.CostInputs(D(60), D(30), D(10), D(0), D(20), D(10))
    assert inputs.replacement_wan == D(100)
    assert valuation.cost_value(inputs) == D(72)  # 100 × 0.8 × 0.9
    with pytest.raises(ValueError, match="obsolescence"):
        valuation.cost_value(valuation.CostInputs(D(1), D(0), D(0), D(0), D(101), D(0)))


def test_to_fen_rounds_half_up_once():
    assert valuation.to_fen(D("0.0000005")) == 1
    assert valuation.to_fen(D("0.0000004")) == 0
    assert valuation.to_fen(D("88")) == 88_000_000


# --- corporate income tax: the 500万元 boundary, exact to the fen -----------------------------------

WAN = 1_000_000  # fen per 万元


@pytest.mark.parametrize(("gain_fen", "exempt", "halved", "due", "saved"), [
    (499_990_000, 499_990_000, 0, 0, 124_997_500),  # 499.99 万元: all exempt, 25 % saved
    (500_000_000, 500_000_000, 0, 0, 125_000_000),  # 500.00 万元: exactly the limit
    (500_010_000, 500_000_000, 10_000, 1_250, 125_001_250),  # 500.01 万元: 100 元 above at 12.5 %
    (550 * WAN, 500 * WAN, 50 * WAN, 6_250_000, 131_250_000),  # 50 万元 above → 6.25 万元 due
    (500_000_004, 500_000_000, 4, 1, 125_000_000),  # 4 fen × 12.5 % = 0.5 fen → 1 (half up); 25 %: 1.00
    (500_000_003, 500_000_000, 3, 0, 125_000_001),  # 0.375 fen → 0; full 125,000,000.75 → …001
])
def test_cit_relief_at_the_boundary(gain_fen, exempt, halved, due, saved):
    relief = tax.cit_relief(gain_fen, 0, 0)
    assert (relief.gain_fen, relief.exempt_fen, relief.halved_fen, relief.tax_due_fen, relief.tax_saved_fen) == (
        gain_fen, exempt, halved, due, saved)


def test_cit_relief_nets_costs_and_taxes():
    # income 600万, costs 80万, taxes 19.99万 → gain 500.01 万元
    relief = tax.cit_relief(600 * WAN, 80 * WAN, 19_990_000)
    assert relief.gain_fen == 500_010_000 and relief.tax_due_fen == 1_250 and relief.tax_saved_fen == 125_001_250


def test_a_loss_year_earns_nothing():
    relief = tax.cit_relief(100 * WAN, 120 * WAN, 0)
    assert relief.is_loss and relief.gain_fen == -20 * WAN
    assert (relief.exempt_fen, relief.halved_fen, relief.tax_due_fen, relief.tax_saved_fen) == (0, 0, 0, 0)
    assert tax.cit_relief(5, 5, 0).is_loss  # no gain is no relief either


def test_the_limit_applies_to_the_year_not_to_each_contract():
    relief = tax.sum_relief([(300 * WAN, 0, 0), (250 * WAN, 0, 0)])
    assert relief.exempt_fen == 500 * WAN and relief.halved_fen == 50 * WAN and relief.tax_due_fen == 6_250_000
    with pytest.raises(ValueError, match="not negative"):
        tax.cit_relief(-1, 0, 0)


@pytest.mark.parametrize(("type_code", "signed", "start", "end", "reason"), [
    ("TRF", dt.date(2026, 1, 1), None, None, tax.IN_TRANSFER),
    ("LIC", dt.date(2026, 1, 1), dt.date(2020, 1, 1), dt.date(2024, 12, 31), tax.IN_LICENCE),  # five full years
    ("LIC", dt.date(2026, 1, 1), dt.date(2020, 1, 1), dt.date(2024, 12, 30), tax.OUT_SHORT_LICENCE),
    ("LIC", dt.date(2015, 9, 30), dt.date(2015, 10, 1), dt.date(2025, 9, 30), tax.OUT_EARLY_LICENCE),
    ("LIC", dt.date(2015, 10, 1), dt.date(2015, 10, 1), dt.date(2025, 9, 30), tax.IN_LICENCE),
    ("LIC", dt.date(2026, 1, 1), None, dt.date(2030, 1, 1), tax.OUT_NO_TERM),
    ("DEV", dt.date(2026, 1, 1), None, None, tax.OUT_NOT_TRANSFER),
    ("SRV", dt.date(2026, 1, 1), None, None, tax.OUT_NOT_TRANSFER),
])
def test_which_contracts_count_as_technology_transfer(type_code, signed, start, end, reason):
    assert tax.cit_eligibility(type_code, signed, start, end) == reason


def test_vat_lines():
    items = [("专利权转让费", 50_000_000, True), ("配套设备", 1_234_567, False)]
    lines = tax.vat_lines("TRF", True, items)
    assert [(v.exempt, v.reason) for v in lines] == [(True, tax.VAT_IN_TECH), (False, tax.VAT_OUT_NON_TECH)]
    assert [v.exempt for v in tax.vat_lines("DEV", True, items[:1])] == [True]
    assert [v.reason for v in tax.vat_lines("SRV", True, items[:1])] == [tax.VAT_OUT_STANDALONE]
    assert [v.reason for v in tax.vat_lines("TRF", False, items[:1])] == [tax.VAT_OUT_NOT_REGISTERED]
