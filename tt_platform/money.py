"""Exact money: amounts are stored as integer fen (分) and shown in 元 or 万元 without floats."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000


def yuan_to_fen(yuan: Decimal) -> int:
    """12345.67 元 → 1234567 fen. The caller has checked at most two decimals."""
    fen = Decimal(yuan) * FEN_PER_YUAN
    if not fen.is_finite() or fen != fen.to_integral_value():
        raise ValueError("not a finite amount with at most two decimals")
    return int(fen)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def fen_to_wan(fen: int) -> Decimal:
    """万元 with two decimals, rounded half up (the way published tables round)."""
    return (Decimal(fen) / FEN_PER_WAN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def format_wan(fen: int | None) -> str:
    return "" if fen is None else f"{fen_to_wan(fen):,.2f} 万元"


def format_yuan(fen: int | None) -> str:
    return "" if fen is None else f"{fen_to_yuan(fen):,.2f} 元"


def format_wan_number(fen: int | None) -> str:
    """万元 figure without the unit, for table columns whose header names it."""
    return "" if fen is None else f"{fen_to_wan(fen):,.2f}"
