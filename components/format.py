"""How numbers read on cards and in tooltips."""

from __future__ import annotations

import pandas as pd


def _missing(value) -> bool:
    """None, NaN or pandas' NA (a nullable column's empty aggregate)."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def number(value) -> str:
    if _missing(value):
        return "–"
    value = float(value)
    if abs(value) < 1e4:  # small numbers read best in full
        return f"{value:,.0f}"
    for divisor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= divisor:
            return f"{value / divisor:.1f}{suffix}"
    return f"{value:,.0f}"


def percent(value, digits: int = 1) -> str:
    return "–" if _missing(value) else f"{float(value) * 100:.{digits}f}%"


def milliseconds(value) -> str:
    return "–" if _missing(value) else f"{float(value):,.0f} ms"


def usd(value) -> str:
    if _missing(value):
        return "–"
    value = float(value)
    return f"${value / 1e3:,.1f}k" if abs(value) >= 1e4 else f"${value:,.2f}"


def change(current, previous) -> float | None:
    """Relative change, or None when there is nothing to compare with."""
    if _missing(current) or _missing(previous) or float(previous) == 0:
        return None
    return float(current) / float(previous) - 1


def decimal(value, digits: int = 1, suffix: str = "") -> str:
    """'24.9 min', '4.02 ★': a plain number with a fixed number of decimals and a unit."""
    return "–" if _missing(value) else f"{float(value):,.{digits}f}{suffix}"


def usd_precise(value) -> str:
    """Small amounts such as a cost per interaction: '$0.0124'."""
    return "–" if _missing(value) else f"${float(value):.4f}"
