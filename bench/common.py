"""Shared by the benchmarks: the dataset they run on, and small statistics helpers."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from settings import ROOT

BENCH_END_DATE = dt.date(2026, 11, 22)


def bench_data(scale: float) -> Path:
    """A dataset at `scale` under var/bench, generated on first use and reused afterwards."""
    from demo.generate import generate, read_manifest

    out = ROOT / "var" / "bench" / f"data-scale-{scale:g}"
    if read_manifest(out) is None:
        generate(out, scale=scale, end_date=BENCH_END_DATE)
    return out


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values), "p95": percentile(values, 0.95), "n": len(values)}


def table(rows: list[dict], columns: list[str]) -> str:
    """A Markdown table, so the figures paste straight into a note."""
    def cell(v):
        if isinstance(v, float):
            return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)
