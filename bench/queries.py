"""The query layer against the raw engine: named queries cold and warm, single-flight, cache format.

- raw: the same final SQL on a bare DuckDB connection with the same views (`.df()`);
- cold: `run()` with the cache forced to miss (new generation), so it compiles, takes the
  cross-process lock, executes and normalises dtypes (the store is written behind, after the
  caller has its frame);
- warm: `run()` answered from the cache.
"""

from __future__ import annotations

import datetime as dt
import io
import pickle
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pyarrow as pa

from bench.common import BENCH_END_DATE, summary, table, timed
from queries import LOCAL_DEMO, Filters, named
from queries.service import build_service
from settings import Settings

LAST_30 = Filters(BENCH_END_DATE - dt.timedelta(days=29), BENCH_END_DATE)  # the Overview's default


def bench_named_queries(data_dir: Path, repeats: int = 15, warm_repeats: int = 200) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="bench-cache-") as cache_dir:
        service = build_service(Settings(data_dir=data_dir, cache_dir=Path(cache_dir)))
        service.listeners.clear()
        engine = service.engine
        rows = []
        for name in (n for n in named.names() if not n.startswith("debug_")):  # debug_*: test-only
            compiled = service.compile(name, LOCAL_DEMO, LAST_30)
            engine.execute(compiled.sql)  # file cache and DuckDB metadata warmed alike for both
            run_raw = partial(engine.execute, compiled.sql)
            run_app = partial(service.run, name, LOCAL_DEMO, filters=LAST_30)
            raw, cold = [], []
            for _ in range(repeats):  # interleaved, so drift in machine load hits both alike
                raw.append(timed(run_raw))
                service.cache.bump_generation()
                cold.append(timed(run_app))
                service.cache.flush()  # the written-behind store, outside both timings
            warm = [timed(run_app) for _ in range(warm_repeats)]
            raw_ms, cold_ms = summary(raw)["p50"], summary(cold)["p50"]
            rows.append({
                "query": name,
                "raw DuckDB ms": raw_ms,
                "cold run() ms": cold_ms,
                "cold/raw": cold_ms / raw_ms,
                # The layer's own cost (cache lookup, cross-process lock, store, dtypes): a fixed
                # amount, so the ratio above is only telling for queries that do real work.
                "overhead ms": summary([c - r for c, r in zip(cold, raw, strict=True)])["p50"],
                "warm p50 ms": summary(warm)["p50"],
                "warm p95 ms": summary(warm)["p95"],
            })
        return rows


def bench_single_flight(data_dir: Path, callers: int = 20, rounds: int = 5) -> dict:
    """`callers` concurrent identical misses: engine executions, and wall time against one query.

    The callers are a warmed thread pool, as in a server (a new thread's first cache access
    opens SQLite connections, which is not what is being measured).
    """
    with tempfile.TemporaryDirectory(prefix="bench-sf-") as cache_dir:
        service = build_service(Settings(data_dir=data_dir, cache_dir=Path(cache_dir)))
        service.listeners.clear()
        with ThreadPoolExecutor(callers) as pool:
            warmup = threading.Barrier(callers)
            list(pool.map(lambda _: warmup.wait() or service.run("tenant_list", LOCAL_DEMO), range(callers)))
            ones, walls, executions = [], [], []
            for _ in range(rounds):
                service.cache.bump_generation()
                ones.append(timed(lambda: service.run("overview_kpis", LOCAL_DEMO, filters=LAST_30)))
                service.cache.bump_generation()
                before = service.cache.stats()["executions"]
                call = partial(_call_together, threading.Barrier(callers), service)
                walls.append(timed(partial(_drain, pool.map(call, range(callers)))))
                executions.append(service.cache.stats()["executions"] - before)
        one, wall = summary(ones)["p50"], summary(walls)["p50"]
        return {"callers": callers, "executions": max(executions), "one query ms": one, "wall ms": wall,
                "wall / one": wall / one}


def _call_together(barrier: threading.Barrier, service, _index: int) -> None:
    barrier.wait()
    service.run("overview_kpis", LOCAL_DEMO, filters=LAST_30)


def _drain(results) -> None:
    list(results)


def bench_cache_format(data_dir: Path, repeats: int = 20) -> list[dict]:
    """Pickle versus Arrow IPC for the frames the cache stores (a small and a large result)."""
    service = build_service(Settings(data_dir=data_dir, cache_dir=Path(tempfile.mkdtemp())))
    small = service.run("overview_daily", LOCAL_DEMO, filters=Filters(BENCH_END_DATE.replace(month=1, day=1),
                                                                      BENCH_END_DATE))
    large = service.engine.execute(
        "SELECT * FROM interactions WHERE dt >= '2026-11-01' LIMIT 100000").frame
    rows = []
    for label, frame in (("daily series", small), ("100k detail rows", large)):
        for fmt, dump, load in (("pickle", _pickle_dump, pickle.loads), ("arrow ipc", _ipc_dump, _ipc_load)):
            blob = dump(frame)
            write, read = partial(dump, frame), partial(load, blob)
            rows.append({
                "frame": label,
                "format": fmt,
                "bytes": len(blob),
                "write ms": summary([timed(write) for _ in range(repeats)])["p50"],
                "read ms": summary([timed(read) for _ in range(repeats)])["p50"],
            })
    return rows


def _pickle_dump(frame) -> bytes:
    return pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)


def _ipc_dump(frame) -> bytes:
    sink = io.BytesIO()
    table_ = pa.Table.from_pandas(frame, preserve_index=False)
    with pa.ipc.new_stream(sink, table_.schema) as writer:
        writer.write_table(table_)
    return sink.getvalue()


def _ipc_load(blob: bytes):
    return pa.ipc.open_stream(blob).read_all().to_pandas()


def main(data_dir: Path) -> None:
    print("\n## Named queries: raw DuckDB vs the app's run() (last 30 days)\n")
    print(table(bench_named_queries(data_dir),
                ["query", "raw DuckDB ms", "cold run() ms", "cold/raw", "overhead ms", "warm p50 ms",
                 "warm p95 ms"]))
    print("\n## Single-flight: concurrent identical misses\n")
    print(table([bench_single_flight(data_dir)], ["callers", "executions", "one query ms", "wall ms", "wall / one"]))
    print("\n## Cache format for stored frames\n")
    print(table(bench_cache_format(data_dir), ["frame", "format", "bytes", "write ms", "read ms"]))
