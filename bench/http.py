"""A page's callbacks over HTTP against the running app: cold and warm server time, figure sizes.

The app runs as `python app.py` in a subprocess with a fresh cache. Each page's load-time
callbacks are read from /_dash-dependencies and replayed as the browser would post them.
"""

from __future__ import annotations

import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import summary, table
from tests.conftest import RunningApp, login
from tests.dash_payload import initial_callbacks

PAGES = {"overview": "/"}


def _post(session: requests.Session, url: str, payload: dict) -> tuple[float, requests.Response]:
    start = time.perf_counter()
    response = session.post(url, json=payload, headers={"Accept-Encoding": "gzip"}, timeout=60)
    return (time.perf_counter() - start) * 1000, response


def _label(payload: dict) -> str:
    outputs = payload["outputs"] if isinstance(payload["outputs"], list) else [payload["outputs"]]
    return ", ".join(f"{o['id']}.{o['property']}" for o in outputs)[:60]


def _figure_sizes(response: requests.Response) -> dict[str, int]:
    sizes = {}
    for component, props in response.json().get("response", {}).items():
        if "figure" in props:
            sizes[component] = len(json.dumps(props["figure"]))
    return sizes


def bench_page(app: RunningApp, session: requests.Session, page: str, warm_repeats: int) -> tuple[list, dict]:
    """Cold: each load-time callback once on an empty cache, one after another (server time in
    all). Warm: each callback `warm_repeats` times."""
    url = app.url + "/_dash-update-component"
    payloads = initial_callbacks(session.get(app.url + "/_dash-dependencies", timeout=10).json(), page + "-")
    rows, sizes, cold_total = [], {}, 0.0
    for payload in payloads:
        cold_ms, response = _post(session, url, payload)
        if response.status_code != 200:
            raise RuntimeError(f"{_label(payload)}: HTTP {response.status_code} {response.text[:200]}")
        cold_total += cold_ms
        sizes.update(_figure_sizes(response))
    for payload in payloads:
        stats = summary([_post(session, url, payload)[0] for _ in range(warm_repeats)])
        rows.append({"page": page, "callback": _label(payload), "warm p50 ms": stats["p50"],
                     "warm p95 ms": stats["p95"]})
    return rows, {"cold ms": cold_total, "callbacks": len(payloads), "figures": sizes}


def bench_parallel_cold(app: RunningApp, session: requests.Session, page: str) -> float:
    """Wall time of a page's load-time callbacks fired together (as a browser does), cold."""
    url = app.url + "/_dash-update-component"
    payloads = initial_callbacks(session.get(app.url + "/_dash-dependencies", timeout=10).json(), page + "-")
    with ThreadPoolExecutor(len(payloads) or 1) as pool:
        start = time.perf_counter()
        list(pool.map(lambda p: _post(session, url, p), payloads))
        return (time.perf_counter() - start) * 1000


def _start(data_dir: Path, work: str) -> RunningApp:
    return RunningApp({"DATA_DIR": str(data_dir), "CACHE_DIR": f"{work}/cache", "VAR_DIR": work,
                       "LOG_LEVEL": "WARNING", "DEMO_USERS": "true"}, Path(work))


def _admin_session(app: RunningApp) -> requests.Session:
    """Callbacks need a signed-in user: the admin sees every page and every tenant."""
    session = requests.Session()
    login(session, "admin", app.url)
    return session


def main(data_dir: Path, warm_repeats: int = 200) -> None:
    for page in PAGES:
        with tempfile.TemporaryDirectory(prefix="bench-http-") as work:
            app = _start(data_dir, work)
            try:
                rows, totals = bench_page(app, _admin_session(app), page, warm_repeats)
            finally:
                app.stop()
        with tempfile.TemporaryDirectory(prefix="bench-http-") as work:
            app = _start(data_dir, work)
            try:
                parallel = bench_parallel_cold(app, _admin_session(app), page)
            finally:
                app.stop()
        print(f"\n## {page}: load-time callbacks over HTTP\n")
        print(f"cold, {totals['callbacks']} callbacks one after another: {totals['cold ms']:.0f} ms in all; "
              f"fired together as a browser does: {parallel:.0f} ms wall\n")
        print(table(rows, ["page", "callback", "warm p50 ms", "warm p95 ms"]))
        print("\nfigure JSON sizes (bytes): " + ", ".join(f"{k} {v:,}" for k, v in totals["figures"].items()))
