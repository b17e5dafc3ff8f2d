"""The dashboard pages, measured: python -m bench.pages [--scale 1] [--repeats 50]

Per page, against `python app.py` (a subprocess, a fresh cache, signed in as the demo admin):
- cold: the page's load-time callbacks once each on an empty cache, one after another (the
  server time of the page in all);
- warm: each callback `repeats` times over HTTP, p50 and p95;
- the JSON size of every figure the page draws;
- the drill-down grid's first block for a slice of about a million rows (cold and warm);
- with the cache warm, the time from navigation until every chart on the page is drawn with data,
  in headless Chromium (Playwright).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import requests

from bench.common import BENCH_END_DATE, bench_data, summary, table
from tests.conftest import CHROMIUM_ARGS, RunningApp, login
from tests.dash_payload import initial_callbacks

PAGES = {"overview": "/", "interactions": "/interactions", "notes": "/notes", "models": "/models",
         "adoption": "/adoption"}
# About a million interactions: the ehr_plugin channel over the last twelve months at scale 1.
MILLION_ROW_DRILL = {"table": "interactions", "title": "ehr_plugin", "where": [["eq", "channel", "ehr_plugin"]]}
ALL_CHARTS_DRAWN = """([page, count]) => {
    const graphs = [...document.querySelectorAll(`.page-${page} .js-plotly-plot`)];
    return graphs.length >= count && graphs.every(gd => gd.data && gd.data.length > 0
        && gd.data.some(t => (t.x && t.x.length) || (t.z && t.z.length) || (t.cells && t.cells.values.length))
        && gd.querySelector('.main-svg'));
}"""


def _post(session: requests.Session, url: str, payload: dict) -> tuple[float, requests.Response]:
    start = time.perf_counter()
    response = session.post(url, json=payload, headers={"Accept-Encoding": "gzip"}, timeout=120)
    if response.status_code != 200:  # a 204 means the callback answered nothing: not a measurement
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    return (time.perf_counter() - start) * 1000, response


def _label(payload: dict) -> str:
    outputs = payload["outputs"] if isinstance(payload["outputs"], list) else [payload["outputs"]]
    return ", ".join(f"{o['id']}.{o['property']}" for o in outputs)[:58]


def _figures(response: requests.Response) -> dict[str, int]:
    return {component: len(json.dumps(props["figure"]))
            for component, props in response.json().get("response", {}).items() if "figure" in props}


def bench_callbacks(app: RunningApp, session: requests.Session, page: str, repeats: int) -> tuple[list, dict]:
    url = app.url + "/_dash-update-component"
    payloads = initial_callbacks(session.get(app.url + "/_dash-dependencies", timeout=10).json(), page + "-")
    cold, sizes = 0.0, {}
    for payload in payloads:
        ms, response = _post(session, url, payload)
        cold += ms
        sizes.update(_figures(response))
    rows = []
    for payload in payloads:
        stats = summary([_post(session, url, payload)[0] for _ in range(repeats)])
        rows.append({"page": page, "callback": _label(payload), "warm p50 ms": stats["p50"],
                     "warm p95 ms": stats["p95"]})
    return rows, {"page": page, "callbacks": len(payloads), "cold ms (all callbacks)": cold,
                  "largest figure KB": max(sizes.values(), default=0) / 1000, "figures": sizes}


def bench_drill(app: RunningApp, session: requests.Session, repeats: int) -> dict:
    """The grid callback's first block (100 rows and the count) for about a million rows."""
    deps = session.get(app.url + "/_dash-dependencies", timeout=10).json()
    dep = next(d for d in deps if d["output"] == "overview-grid.getRowsResponse")
    controls = {"overview-range.value": "12m"}
    payload = {
        "output": dep["output"],
        "outputs": {"id": "overview-grid", "property": "getRowsResponse"},
        "inputs": [{"id": "overview-grid", "property": "getRowsRequest",
                    "value": {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}}],
        "changedPropIds": ["overview-grid.getRowsRequest"],
        "state": [{"id": s["id"], "property": s["property"],
                   "value": MILLION_ROW_DRILL if s["id"] == "overview-drill"
                   else controls.get(f"{s['id']}.{s['property']}")} for s in dep["state"]],
    }
    url = app.url + "/_dash-update-component"
    cold_ms, response = _post(session, url, payload)
    rows = response.json()["response"]["overview-grid"]["getRowsResponse"]
    warm = summary([_post(session, url, payload)[0] for _ in range(repeats)])
    return {"matching rows": rows["rowCount"], "rows in block": len(rows["rowData"]), "cold ms": cold_ms,
            "warm p50 ms": warm["p50"], "warm p95 ms": warm["p95"]}


def bench_browser(app: RunningApp, chart_counts: dict[str, int], rounds: int = 3) -> list[dict]:
    """Time from navigation until every chart of the page is drawn with data, warm cache, in
    headless Chromium: by the app's own navigation (a click on the page's link, as a user moves
    between pages) and by a full page load (a link opened afresh: scripts parsed again)."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(60_000)
        login(page, "admin", app.url)
        names = list(PAGES)
        for name, path in PAGES.items():
            clicks, loads = [], []
            for _ in range(rounds):
                # Start from another page, then follow this page's link in the navigation bar.
                other = names[(names.index(name) + 1) % len(names)]
                page.goto(app.url + PAGES[other])
                page.wait_for_function(ALL_CHARTS_DRAWN, arg=[other, chart_counts[other]], polling=20)
                start = time.perf_counter()
                page.click(f"a.nav-link[href='{path}']")
                page.wait_for_function(ALL_CHARTS_DRAWN, arg=[name, chart_counts[name]], polling=20)
                clicks.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                page.goto(app.url + path, wait_until="commit")
                page.wait_for_function(ALL_CHARTS_DRAWN, arg=[name, chart_counts[name]], polling=20)
                loads.append((time.perf_counter() - start) * 1000)
            out.append({"page": name, "charts": chart_counts[name],
                        "in-app navigation ms (median)": sorted(clicks)[len(clicks) // 2],
                        "in-app worst ms": max(clicks),
                        "full page load ms (median)": sorted(loads)[len(loads) // 2]})
        browser.close()
    return out


def _start(data_dir: Path, work: str) -> RunningApp:
    return RunningApp({"DATA_DIR": str(data_dir), "CACHE_DIR": f"{work}/cache", "VAR_DIR": work,
                       "LOG_LEVEL": "WARNING", "DEMO_USERS": "true"}, Path(work))


def main(data_dir: Path | None = None, repeats: int = 50) -> None:
    data_dir = data_dir or bench_data(1.0)
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as work:
        app = _start(data_dir, work)
        try:
            session = requests.Session()
            login(session, "admin", app.url)
            warm_rows, totals = [], []
            for page in PAGES:
                rows, total = bench_callbacks(app, session, page, repeats)
                warm_rows += rows
                totals.append(total)
            print(f"\n## Dashboard pages (data ending {BENCH_END_DATE}, default view: last 30 days)\n")
            print(table(totals, ["page", "callbacks", "cold ms (all callbacks)", "largest figure KB"]))
            print("\nfigure JSON sizes (bytes): " + "; ".join(
                f"{t['page']}: " + ", ".join(f"{k.split('-', 1)[1]} {v:,}" for k, v in t["figures"].items())
                for t in totals))
            print("\n### Warm callbacks over HTTP\n")
            print(table(warm_rows, ["page", "callback", "warm p50 ms", "warm p95 ms"]), flush=True)
            drill = bench_drill(app, session, repeats=10)
            print("\n### Drill-down grid, first block of a ~1M-row slice (over HTTP)\n")
            print(table([drill], ["matching rows", "rows in block", "cold ms", "warm p50 ms", "warm p95 ms"]),
                  flush=True)
            browser = bench_browser(app, {t["page"]: len(t["figures"]) for t in totals})
            print("\n### Headless Chromium, warm cache: navigation to every chart drawn\n")
            print(table(browser, ["page", "charts", "in-app navigation ms (median)", "in-app worst ms",
                                  "full page load ms (median)"]))
        finally:
            app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    main(bench_data(args.scale), args.repeats)
