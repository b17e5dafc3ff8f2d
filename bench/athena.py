"""The Athena engine against the local Athena service: fetch paths, app overhead, HTTP calls.

The service (`python -m athena_local`) runs in its own process, so the client's figures are not
slowed by the server's Python; both share this machine's two cores.

- fetch: 10k, 100k and 1M-row results through each cursor mode, UNLOAD on and off. `total` is
  `AthenaEngine.execute` wall time; `fetch` is that minus the service's own time
  (TotalExecutionTimeInMillis: queue, execution and writing the result files), so it holds the
  polls' lag, the result download and the conversion to a frame.
- overhead: every named query (last 30 days) through the engine's default mode; the app's time
  over the service's own execution time. Target: at most 100 ms.
- HTTP calls per query: Athena API calls plus S3 requests made by the client.

Run: python -m bench.athena [--modes arrow,default] [--rows 10000,100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from athena_local import Admin
from bench.common import BENCH_END_DATE, summary, table
from queries import LOCAL_DEMO, Filters, named
from queries.service import _compile
from settings import ROOT, Settings

MODES = {  # label -> (ATHENA_CURSOR, ATHENA_UNLOAD)
    "auto": ("auto", False),
    "default": ("default", False),
    "pandas": ("pandas", False),
    "pandas+unload": ("pandas", True),
    "arrow": ("arrow", False),
    "arrow+unload": ("arrow", True),
}
ROWS = (10_000, 100_000, 1_000_000)
SYNTHETIC = (
    "SELECT x AS id, x * 0.25 AS amount, concat('tenant-', CAST(x % 97 AS varchar)) AS label, "
    "date_add('day', x % 365, DATE '2026-01-01') AS day, x % 7 = 0 AS flag "
    "FROM UNNEST(sequence(1, {rows})) AS t (x) ORDER BY id"
)
LAST_30 = Filters(BENCH_END_DATE - dt.timedelta(days=29), BENCH_END_DATE)


@contextmanager
def local_service(data_dir: Path, port: int = 18642) -> Iterator[dict[str, str]]:
    """`python -m athena_local` in a subprocess; yields the client environment, stops it after."""
    command = [
        sys.executable,
        "-m",
        "athena_local",
        "--data",
        str(data_dir),
        "--port",
        str(port),
        "--s3-port",
        str(port + 1),
        "--scale",
        "0.05",
        "--end-date",
        BENCH_END_DATE.isoformat(),
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        endpoint = f"http://127.0.0.1:{port}"
        _wait_healthy(endpoint, process)
        yield {
            "endpoint": endpoint,
            "s3": f"http://127.0.0.1:{port + 1}",
            "staging": "s3://athena-local-results/staging/",
            "data": str(data_dir),
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_healthy(endpoint: str, process: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("athena_local exited before it served")
        try:
            with urllib.request.urlopen(f"{endpoint}/_athena_local/health", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("athena_local did not start")


def _engine(stack: dict[str, str], var_dir: Path, cursor: str, unload: bool):
    from queries.engines.athena import AthenaEngine

    settings = Settings(
        engine="athena",
        var_dir=var_dir,
        athena_endpoint_url=stack["endpoint"],
        athena_s3_staging_dir=stack["staging"],
        athena_data_location=stack["data"],
        athena_cursor=cursor,
        athena_unload=unload,
        athena_query_timeout=600,
    )
    return AthenaEngine(settings)


def _measure(engine, admin: Admin, sql: str) -> dict[str, float]:
    admin.reset_stats()
    began = time.perf_counter()
    result = engine.execute(sql)
    total = (time.perf_counter() - began) * 1000
    calls = sum(
        n for k, n in admin.stats().items() if ":" not in k or (k.startswith("S3:") and k != "S3:SlowDown")
    )
    # The service's own time: queue, planning, execution and writing the result (Athena's total).
    execution = engine.connection().client.get_query_execution(QueryExecutionId=result.query_id)
    service = execution["QueryExecution"]["Statistics"]["TotalExecutionTimeInMillis"]
    return {
        "total": total,
        "fetch": total - service,
        "service": service,
        "calls": calls,
        "rows": len(result.frame),
    }


def bench_fetch(stack: dict[str, str], var_dir: Path, modes: list[str], rows: list[int]) -> list[dict]:
    admin, out = Admin(stack["endpoint"]), []
    for label in modes:
        engine = _engine(stack, var_dir, *MODES[label])
        engine.execute("SELECT 1 AS warm_up")  # connections and clients made before timing
        for n in rows:
            repeats = 1 if n >= 1_000_000 else 3
            runs = [
                _measure(engine, admin, SYNTHETIC.format(rows=n) + f" /* {label} {i} */")
                for i in range(repeats)
            ]
            best = min(runs, key=lambda r: r["total"])
            out.append(
                {
                    "mode": label,
                    "rows": f"{n:,}",
                    "total_ms": best["total"],
                    "fetch_ms": best["fetch"],
                    "service_ms": best["service"],
                    "http_calls": best["calls"],
                }
            )
            print(
                f"  {label:14} {n:>9,} rows  total {best['total']:8.0f} ms  fetch {best['fetch']:8.0f} ms",
                file=sys.stderr,
            )
    return out


def bench_overhead(stack: dict[str, str], var_dir: Path, mode: str) -> list[dict]:
    """Every named query once warm-up, then timed: the app's time over the service's own."""
    admin, rows = Admin(stack["endpoint"]), []
    engine = _engine(stack, var_dir, *MODES[mode])
    engine.execute("SELECT 1 AS warm_up")
    overheads, calls = [], []
    for name in named.names():
        params = {"n": 300} if name == "debug_slow" else {}
        try:
            sql = _compile(name, LOCAL_DEMO, LAST_30, tuple(params.items()), "athena").sql
        except Exception as err:  # noqa: BLE001 - a query the bench cannot compile is reported, not fatal
            print(f"  skipped {name}: {err}", file=sys.stderr)
            continue
        for _ in range(3):
            measured = _measure(engine, admin, sql)
            overheads.append(measured["fetch"])
            calls.append(measured["calls"])
    stats = summary(overheads)
    rows.append(
        {
            "mode": mode,
            "queries": len(overheads),
            "overhead_p50_ms": stats["p50"],
            "overhead_p95_ms": stats["p95"],
            "http_calls_p50": summary(calls)["p50"],
            "target_ms": 100.0,
        }
    )
    return rows


def main(data_dir: Path | None = None, modes: list[str] | None = None, rows: list[int] | None = None) -> None:
    """Start the local service, print the fetch and overhead tables, stop it."""
    data_dir = data_dir or ROOT / "var" / "bench" / "athena-data"
    modes = modes or list(MODES)
    rows = rows or list(ROWS)
    default = _default_mode()
    with local_service(data_dir) as stack, tempfile.TemporaryDirectory(prefix="bench-athena-") as var:
        _use_aws_env(stack)
        print("\n## Athena engine: fetch paths (local Athena service)\n")
        print(
            table(
                bench_fetch(stack, Path(var), modes, rows),
                ["mode", "rows", "total_ms", "fetch_ms", "service_ms", "http_calls"],
            )
        )
        print(f"\n## Athena engine: app overhead per named query (mode {default})\n")
        print(
            table(
                bench_overhead(stack, Path(var), default),
                ["mode", "queries", "overhead_p50_ms", "overhead_p95_ms", "http_calls_p50", "target_ms"],
            )
        )


def _default_mode() -> str:
    fields = Settings.model_fields
    cursor, unload = fields["athena_cursor"].default, fields["athena_unload"].default
    return next(
        label for label, mode in MODES.items() if mode == (cursor, unload and cursor in ("arrow", "pandas"))
    )


def _use_aws_env(stack: dict[str, str]) -> None:
    os.environ["AWS_ENDPOINT_URL_S3"] = stack["s3"]
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "athena-local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "athena-local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.athena", description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated: {', '.join(MODES)}")
    parser.add_argument("--rows", default=",".join(str(n) for n in ROWS), help="result sizes")
    args = parser.parse_args()
    main(modes=args.modes.split(","), rows=[int(n) for n in args.rows.split(",")])
