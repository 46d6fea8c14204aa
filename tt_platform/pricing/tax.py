"""Tax reliefs a registered technology contract may earn, exact to the fen (no Flask, no database).

Corporate income tax on 技术转让所得 (企业所得税法 Art. 27(4); 实施条例 Art. 90; 国税函〔2009〕212号;
财税〔2010〕111号; 财税〔2015〕116号): in a tax year, the part of a resident enterprise's technology-transfer
income (转让收入 − 转让成本 − 相关税费) up to 500万元 is exempt, the part above it is taxed at half the
statutory 25 % rate. A loss year earns nothing. Transfers count; licences of at least five years count
as transfers (non-exclusive ones since 2015-10-01, 财税〔2015〕116号; before that only exclusive ones,
which the platform does not record, so earlier licences are left out).

VAT (财税〔2016〕36号, Annex 3, Art. 1 (26)): technology transfer and technology development, and the
consulting and services related to them invoiced together with them, are exempt once the contract is
registered (认定登记). Non-technical items (equipment, materials…) are not.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: 500万元 in fen
EXEMPT_LIMIT_FEN = 500_000_000
#: the statutory rate the halving applies to (国税函〔2010〕157号: half of 25 %, whatever the
#: enterprise's own preferential rate)
CIT_RATE = Decimal("0.25")
HALF_RATE = CIT_RATE / 2
#: 财税〔2015〕116号: five-year non-exclusive licences count from this date
NON_EXCLUSIVE_LICENCE_FROM = dt.date(2015, 10, 1)
LICENCE_MIN_YEARS = 5

CIT_SOURCE = "《企业所得税法》第二十七条第(四)项;《企业所得税法实施条例》第九十条;财税〔2010〕111号;财税〔2015〕116号"
VAT_SOURCE = "财税〔2016〕36号 附件3《营业税改征增值税试点过渡政策的规定》第一条第(二十六)项"

#: reasons as codes; the views translate them
IN_TRANSFER = "transfer"
IN_LICENCE = "licence_5y"
OUT_NOT_TRANSFER = "not_transfer"
OUT_SHORT_LICENCE = "short_licence"
OUT_EARLY_LICENCE = "early_licence"
OUT_NO_TERM = "no_term"

VAT_IN_TECH = "tech_item"
VAT_OUT_NON_TECH = "non_tech_item"
VAT_OUT_STANDALONE = "standalone_service"
VAT_OUT_NOT_REGISTERED = "not_registered"


def _round_fen(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def cit_eligibility(type_code: str, signed_on: dt.date, valid_from: dt.date | None,
                    valid_until: dt.date | None) -> str:
    """Whether one contract's income counts as 技术转让所得: a reason code (IN_… counts, OUT_… does not)."""
    if type_code == "TRF":
        return IN_TRANSFER
    if type_code != "LIC":
        return OUT_NOT_TRANSFER
    if valid_from is None or valid_until is None:
        return OUT_NO_TERM
    # "5年(含)以上": the term from valid_from to valid_until, both days included, covers five years
    if valid_until + dt.timedelta(days=1) < _add_years(valid_from, LICENCE_MIN_YEARS):
        return OUT_SHORT_LICENCE
    if signed_on < NON_EXCLUSIVE_LICENCE_FROM:
        return OUT_EARLY_LICENCE
    return IN_LICENCE


@dataclass(frozen=True, slots=True)
class CitRelief:
    income_fen: int  #: technology-transfer income (转让收入) summed over the year
    costs_fen: int  #: its costs (转让成本)
    taxes_fen: int  #: related taxes (相关税费)
    gain_fen: int  #: 技术转让所得 = income − costs − taxes
    exempt_fen: int  #: the part up to 500万元, exempt
    halved_fen: int  #: the part above, taxed at half the rate
    tax_due_fen: int  #: tax on 技术转让所得 after the relief
    tax_saved_fen: int  #: tax the relief saves against the full 25 %

    @property
    def is_loss(self) -> bool:
        return self.gain_fen <= 0


def cit_relief(income_fen: int, costs_fen: int, taxes_fen: int) -> CitRelief:
    """The relief on a year's technology-transfer income; each tax figure rounded half up to the fen."""
    if min(income_fen, costs_fen, taxes_fen) < 0:
        raise ValueError("amounts are not negative")
    gain = income_fen - costs_fen - taxes_fen
    if gain <= 0:
        return CitRelief(income_fen, costs_fen, taxes_fen, gain, 0, 0, 0, 0)
    exempt = min(gain, EXEMPT_LIMIT_FEN)
    halved = gain - exempt
    due = _round_fen(halved * HALF_RATE)
    full = _round_fen(gain * CIT_RATE)
    return CitRelief(income_fen, costs_fen, taxes_fen, gain, exempt, halved, due, full - due)


def sum_relief(lines: Iterable[tuple[int, int, int]]) -> CitRelief:
    """The year's relief over (income, costs, taxes) of each counted contract: the 500万元 applies to the
    year's total 技术转让所得, not to each contract."""
    income = costs = taxes = 0
    for i, c, t in lines:
        income, costs, taxes = income + i, costs + c, taxes + t
    return cit_relief(income, costs, taxes)


@dataclass(frozen=True, slots=True)
class VatLine:
    description: str
    amount_fen: int
    exempt: bool
    reason: str


def vat_lines(type_code: str, registered: bool, items: Iterable[tuple[str, int, bool]]) -> list[VatLine]:
    """Which line items of a contract are VAT-exempt (description, amount in fen, is technical)."""
    lines = []
    for description, amount_fen, is_technical in items:
        if not registered:
            exempt, reason = False, VAT_OUT_NOT_REGISTERED
        elif not is_technical:
            exempt, reason = False, VAT_OUT_NON_TECH
        elif type_code in ("TRF", "LIC", "DEV"):
            exempt, reason = True, VAT_IN_TECH
        else:
            exempt, reason = False, VAT_OUT_STANDALONE
        lines.append(VatLine(description, amount_fen, exempt, reason))
    return lines
