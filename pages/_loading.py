"""Long queries: progress, Cancel, and a page that stays usable while the engine works.

A chart callback asks `load()` for a frame. The query runs in a worker thread of this process;
if it answers within SLOW_AFTER_S (every warm and most cold queries), the callback gets the frame
and returns as usual. Otherwise the callback returns a "still running" state at once and signals
the shell (`jobs-pending`), whose background callback (the diskcache manager, in its own process)
follows the user's running queries through a small registry, shows their progress with a Cancel
button, and on completion writes `jobs-done`, which makes the page's charts ask again: they then
get the cached result, or the error or cancellation, once.

Cancel calls `engine.cancel(query_id)` with the id the engine reported through `run(on_start=...)`:
an interrupt for DuckDB, StopQueryExecution for Athena. The shell, not the page, owns the stores
and the progress bar, so switching pages mid-query leaves nothing dangling: the query finishes
(or is cancelled) and its result lands in the cache for whoever asks next.

Settings read here (environment, documented defaults):
- DASHBOARD_SLOW_AFTER_MS (1000): how long a callback waits before handing over to the monitor.
- DASHBOARD_DEBUG_SLOW_ROWS (0): when > 0, the first chart of one dashboard page also runs the
  `debug_slow` query over that many generated rows (cubed); slow by construction on any engine,
  for the cancel test and for trying the long-query path by hand. Never set it in production.
- DASHBOARD_DEBUG_SLOW_PAGE ("overview"): the page that runs it.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import cache

import diskcache
import pandas as pd
from dash import Input, Output, State, callback, set_props

from auth import PermissionDenied, callback_principal, current_principal
from queries import Filters, Principal, QueryError, get_service, run
from queries.errors import QueryCancelled
from settings import get_settings

log = logging.getLogger(__name__)

SLOW_AFTER_S = get_settings().dashboard_slow_after_ms / 1000
DEBUG_SLOW_ROWS = get_settings().dashboard_debug_slow_rows
DEBUG_SLOW_PAGE = get_settings().dashboard_debug_slow_page
POLL_S = 0.1
_REGISTRY_TTL_S = 3600

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dashboard-query")
_inflight: dict[str, Future] = {}
# Re-entrant: a future that is already done runs its done-callback at once, in the thread that
# adds it, which holds this lock then.
_inflight_lock = threading.RLock()


@dataclass(frozen=True)
class Pending:
    """A query still running after SLOW_AFTER_S; the shell's monitor follows it."""

    job: str


def registry() -> diskcache.Cache:
    """Job states shared by the web process and the background callback's process."""
    return _registry(os.getpid())


@cache
def _registry(pid: int) -> diskcache.Cache:
    # One handle per process: the background callback runs in a forked child, and an SQLite
    # connection must not cross a fork.
    from settings import get_settings

    return diskcache.Cache(str(get_settings().var_dir / "jobs"))


def job_key(name: str, principal: Principal, filters: Filters | None, params: dict) -> str:
    raw = json.dumps([name, principal.user_id, principal.role, sorted(principal.tenants or ["*"]),
                      repr(filters), sorted((k, repr(v)) for k, v in params.items())])
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def load(name: str, principal: Principal, filters: Filters | None = None, *, fresh: bool = False,
         **params) -> pd.DataFrame | Pending:
    """The frame of a named query, or Pending when it is still running after SLOW_AFTER_S.

    A query that failed or was cancelled after its caller got Pending reports that outcome once
    (raising its QueryError) to the next caller; `fresh` (a Retry) discards it and runs again.
    """
    if not fresh:  # a cache hit is answered here, without a hand-off to the worker pool
        frame = get_service().cached(name, principal, filters=filters, **params)
        if frame is not None:
            return frame
    key = job_key(name, principal, filters, params)
    with _inflight_lock:
        future = _inflight.get(key)
        if future is not None and future.done():
            _inflight.pop(key)
            if fresh:
                future = None
        if future is None:
            # The worker runs in the caller's context: the asking page goes into the history.
            future = _pool.submit(contextvars.copy_context().run, _run_job, key, name, principal, filters, params)
            _inflight[key] = future
            future.add_done_callback(lambda f, k=key: _forget_success(k, f))
    try:
        frame = future.result(timeout=SLOW_AFTER_S)
    except FutureTimeout:
        return Pending(key)
    except QueryError:
        with _inflight_lock:
            if _inflight.get(key) is future:
                _inflight.pop(key)
        raise
    return frame


def _forget_success(key: str, future: Future) -> None:
    """A result lives in the result cache; only failures wait here to be reported."""
    if future.exception() is None:
        with _inflight_lock:
            if _inflight.get(key) is future:
                _inflight.pop(key)


def _run_job(key: str, name: str, principal: Principal, filters: Filters | None, params: dict) -> pd.DataFrame:
    jobs = registry()
    entry = {"user": principal.user_id, "name": name, "state": "running", "query_id": None,
             "started": time.time(), "message": ""}
    jobs.set(key, entry, expire=_REGISTRY_TTL_S)

    def started(query_id: str) -> None:
        jobs.set(key, {**entry, "query_id": query_id}, expire=_REGISTRY_TTL_S)
        entry["query_id"] = query_id

    try:
        frame = run(name, principal, filters=filters, on_start=started, **params)
    except QueryError as err:
        state = "cancelled" if isinstance(err, QueryCancelled) else "failed"
        jobs.set(key, {**entry, "state": state, "message": err.message}, expire=_REGISTRY_TTL_S)
        raise
    except Exception as err:  # reported as a plain QueryError, logged with its traceback
        log.exception("query %s failed", name)
        jobs.set(key, {**entry, "state": "failed", "message": "unexpected error"}, expire=_REGISTRY_TTL_S)
        raise QueryError("an unexpected error occurred; it has been logged", name=name,
                         query_id=entry["query_id"]) from err
    jobs.set(key, {**entry, "state": "done"}, expire=_REGISTRY_TTL_S)
    return frame


# --- the shell's monitor -----------------------------------------------------------------


def announce(pending: Pending) -> None:
    """Tell the shell a query is still running (from a normal callback)."""
    set_props("jobs-pending", {"data": {"job": pending.job, "at": time.time()}})


def running_jobs(user_id: str) -> dict[str, dict]:
    jobs = registry()
    out = {}
    for key in list(jobs.iterkeys()):
        entry = jobs.get(key)
        if isinstance(entry, dict) and entry.get("user") == user_id and entry.get("state") == "running":
            out[key] = entry
    return out


def progress_text(jobs: dict[str, dict]) -> str:
    if not jobs:
        return ""
    oldest = min(e["started"] for e in jobs.values())
    ids = [e["query_id"] for e in jobs.values() if e.get("query_id")]
    names = ", ".join(sorted({e["name"].replace("_", " ") for e in jobs.values()}))
    text = f"{len(jobs)} quer{'y' if len(jobs) == 1 else 'ies'} running for {time.time() - oldest:.0f} s ({names})"
    return text + (f" · query id {ids[0]}" if len(ids) == 1 else "")


# No declared output: the monitor writes `jobs-done` with set_props when it ends. Were jobs-done
# its Output, Dash's renderer would hold back every chart callback (they all take jobs-done as an
# input) until the monitor finished, and a page opened mid-query would stay blank.
@callback(
    Input("jobs-pending", "data"),
    background=True,
    progress=[Output("jobs-progress-text", "children")],
    running=[(Output("jobs-bar", "className"), "jobs-bar jobs-bar-open", "jobs-bar")],
    prevent_initial_call=True,
)
def follow_jobs(set_progress, pending):
    # No Flask request here: auth re-loads the user the starting request recorded, and refuses
    # one who is unknown or disabled by now.
    try:
        principal = callback_principal()
    except PermissionDenied:
        return
    started = time.time()
    while time.time() - started < _REGISTRY_TTL_S:
        jobs = running_jobs(principal.user_id)
        if not jobs:
            break
        set_progress(progress_text(jobs))
        time.sleep(POLL_S)
    set_props("jobs-done", {"data": {"at": time.time()}})


@callback(
    Output("jobs-progress-text", "children", allow_duplicate=True),
    Input("jobs-cancel", "n_clicks"),
    State("jobs-pending", "data"),
    prevent_initial_call=True,
)
def cancel_jobs(_, pending):
    """Stop every running query of the signed-in user; the monitor then reports them ended."""
    principal = current_principal()
    jobs = running_jobs(principal.user_id)
    engine = get_service().engine
    for key, entry in jobs.items():
        if entry.get("query_id"):
            engine.cancel(entry["query_id"])
        log.info("cancel requested for %s (%s)", entry["name"], entry.get("query_id"))
        registry().set(key, {**entry, "state": "cancelling"}, expire=_REGISTRY_TTL_S)
    return "Cancelling…" if jobs else ""
