"""Benchmark the demo generator: rows written per second at a given scale.

Run from the repository root: python -m bench.generator --scale 5
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from demo.generate import generate

# Fixed, so every run generates the same data and timings are comparable.
BENCH_END_DATE = date(2026, 11, 22)


def bench_generator(scale: float = 1.0) -> dict:
    """Generate a 365-day dataset at `scale` into a temporary folder and time it.

    Returns {"rows": rows written over all four tables, "seconds": wall time, "rows_per_s": ...}.
    """
    with tempfile.TemporaryDirectory(prefix="bench-generator-") as tmp:
        began = time.perf_counter()
        manifest = generate(Path(tmp) / "data", scale=scale, end_date=BENCH_END_DATE)
        seconds = time.perf_counter() - began
    rows = sum(manifest["row_counts"].values())
    return {"rows": rows, "seconds": round(seconds, 3), "rows_per_s": round(rows / seconds)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m bench.generator", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--scale", type=float, default=1.0)
    result = bench_generator(parser.parse_args().scale)
    print(
        f"rows {result['rows']:,}  seconds {result['seconds']:.1f}  rows/s {result['rows_per_s']:,}"
    )
