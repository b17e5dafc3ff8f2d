"""The result cache: diskcache on local disk, shared by threads and worker processes.

- Keys are made by the caller from engine, data version and the final SQL (tenant scope and
  parameters are inside that SQL), so two tenants can never share an entry.
- Single-flight: concurrent misses for one key run `compute` once; the others wait for its result.
  Within a process, one thread leads and the others wait on an event for its value (no polling,
  no second read of the stored result). Across processes, the leaders meet at a lock that is a
  diskcache entry (`add` is atomic across processes) and expires, so a crashed holder cannot
  block a key for longer than `lock_timeout`.
- Write-behind: a computed value goes back to its caller at once; one writer thread per process
  stores it and frees the cross-process lock. Until then the value is served from memory, so
  nobody in the process computes it again, and other processes wait at the lock as before.
- A generation token in a separate, never-evicted store lets an admin "refresh" make every old
  entry unreachable at once.
- The cache is an optimisation, never a point of failure: if its directory vanishes it is
  recreated, and if it cannot be used at all the value is computed without it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import uuid
import weakref
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import diskcache

log = logging.getLogger(__name__)
T = TypeVar("T")
_MISS = object()
COUNTERS = ("hits", "misses", "executions", "waits", "bytes_saved", "errors")
_CACHE_ERRORS = (OSError, sqlite3.Error, diskcache.Timeout)


@dataclass
class _Flight:
    """One in-process computation of a key that other threads of the process wait for."""

    done: threading.Event = field(default_factory=threading.Event)
    value: Any = _MISS  # stays _MISS when the leader failed: the waiters then try themselves


class ResultCache:
    """Memoises query results on disk with TTLs and single-flight.

    >>> import tempfile
    >>> cache = ResultCache(tempfile.mkdtemp())
    >>> cache.get_or_compute("k", lambda: 42, ttl=60)
    (42, False)
    >>> cache.get_or_compute("k", lambda: 0, ttl=60)
    (42, True)
    """

    def __init__(self, directory: Path | str, *, size_limit: int = 2**30, lock_timeout: int = 300) -> None:
        self.directory = Path(directory)
        self._size_limit = size_limit
        self._lock_timeout = lock_timeout
        self._open_lock = threading.Lock()
        # Counters are summed in memory and flushed at most once a second: a SQLite write per
        # hit would cost more than the hit itself and serialise concurrent callers.
        self._pending: Counter[str] = Counter()
        self._pending_lock = threading.Lock()
        self._flushed_at = time.monotonic()
        self._start_process_state()
        # Flights and the writer thread belong to one process: a forked child (a background
        # callback) starts with none of its parent's, whose threads did not come along.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (cache := ref()) and cache._start_process_state())
        self._open()

    def _start_process_state(self) -> None:
        self._flights: dict[str, _Flight] = {}
        self._flights_lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="result-store")

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._results = diskcache.Cache(str(self.directory / "results"), size_limit=self._size_limit)
        # Counters and the generation token must never be evicted with results.
        self._meta = diskcache.Cache(str(self.directory / "meta"), eviction_policy="none")

    def _ensure_open(self) -> None:
        """Recreate the cache if its directory was deleted under a running server."""
        if not (self.directory / "results").is_dir() or not (self.directory / "meta").is_dir():
            with self._open_lock:
                if not (self.directory / "results").is_dir() or not (self.directory / "meta").is_dir():
                    log.warning("cache directory %s vanished; recreating it", self.directory)
                    self._open()

    # --- results -------------------------------------------------------------------------

    def get_or_compute(self, key: str, compute: Callable[[], T], ttl: int) -> tuple[T, bool]:
        """Return `(value, hit)`. On a miss, exactly one caller runs `compute` for `key`."""
        value = self._in_memory(key)
        if value is not _MISS:
            self.count("hits")
            return value, True
        try:
            self._ensure_open()
            value = self._results.get(key, default=_MISS, retry=True)
        except _CACHE_ERRORS as err:
            return self._compute_uncached(compute, err), False
        if value is not _MISS:
            self.count("hits")
            return value, True
        self.count("misses")
        try:
            return self._single_flight(key, compute, ttl)
        except _CACHE_ERRORS as err:
            return self._compute_uncached(compute, err), False

    def peek(self, key: str) -> Any | None:
        """The cached value for `key`, or None (a miss, or the cache unusable). Counts a hit."""
        value = self._in_memory(key)
        try:
            if value is _MISS:
                self._ensure_open()
                value = self._results.get(key, default=_MISS, retry=True)
        except _CACHE_ERRORS:
            return None
        if value is _MISS:
            return None
        self.count("hits")
        return value

    def _in_memory(self, key: str) -> Any:
        """A value this process computed and is still storing (else _MISS)."""
        with self._flights_lock:
            flight = self._flights.get(key)
        return flight.value if flight is not None and flight.done.is_set() else _MISS

    def _single_flight(self, key: str, compute: Callable[[], T], ttl: int) -> tuple[T, bool]:
        while True:
            with self._flights_lock:
                flight = self._flights.get(key)
                leading = flight is None
                if leading:
                    flight = self._flights[key] = _Flight()
            if leading:
                break
            flight.done.wait(self._lock_timeout)
            if flight.value is not _MISS:
                self.count("waits")
                return flight.value, True
        store = None
        try:
            value, hit, store = self._across_processes(key, compute, ttl)
            flight.value = value
            return value, hit
        finally:
            flight.done.set()  # the waiters go on now, with the value or to try themselves
            if store is None:
                self._land(key, flight)
            else:
                self._writer.submit(self._store, store, key, flight)

    def _store(self, store: Callable[[], None], key: str, flight: _Flight) -> None:
        """On the writer thread: store a computed value and free its lock, then forget the flight."""
        try:
            store()
        except Exception as err:  # nobody to raise to on this thread; the next caller recomputes
            log.warning("result cache could not store a result (%s); it will be computed again", err)
        finally:
            self._land(key, flight)

    def _land(self, key: str, flight: _Flight) -> None:
        with self._flights_lock:
            if self._flights.get(key) is flight:
                del self._flights[key]

    def _across_processes(self, key: str, compute: Callable[[], T], ttl: int
                          ) -> tuple[T, bool, Callable[[], None] | None]:
        """(value, hit, what stores it): the store is left to the caller, so it can be written behind."""
        lock_key, token = f"lock:{key}", uuid.uuid4().hex
        delay = 0.001
        # The first try goes straight for the lock; after that a waiting process polls with reads
        # (which WAL lets run beside the holder's write) and tries again only once the lock is free.
        while not self._results.add(lock_key, token, expire=self._lock_timeout, retry=True):
            while True:
                time.sleep(delay)
                delay = min(delay * 2, 0.005)
                value = self._results.get(key, default=_MISS, retry=True)
                if value is not _MISS:
                    self.count("waits")
                    return value, True, None
                if self._results.get(lock_key, retry=True) is None:
                    break
        try:
            value = self._results.get(key, default=_MISS, retry=True)
            if value is not _MISS:  # computed between our miss and our lock
                self._release(lock_key, token)
                return value, True, None
            self.count("executions")
            value = compute()
        except BaseException:
            self._release(lock_key, token)
            raise

        def store() -> None:
            try:
                with self._results.transact(retry=True):  # one commit: store the result, free the key
                    self._results.set(key, value, expire=ttl, retry=True)
                    self._release(lock_key, token)
            except BaseException:
                self._release(lock_key, token)  # a value that cannot be stored must not hold the key
                raise

        return value, False, store

    def flush(self) -> None:
        """Wait until every result computed so far in this process is stored."""
        self._writer.submit(lambda: None).result()

    def _release(self, lock_key: str, token: str) -> None:
        """Free the lock if it is still ours (it may have expired and been taken by another)."""
        with self._results.transact(retry=True):
            if self._results.get(lock_key, retry=True) == token:
                self._results.delete(lock_key, retry=True)

    def _compute_uncached(self, compute: Callable[[], T], err: Exception) -> T:
        log.warning("result cache unavailable (%s); computing without it", err)
        return compute()

    # --- generation, counters, clearing -------------------------------------------------

    def generation(self) -> str:
        """The current data generation; part of every key."""
        try:
            self._ensure_open()
            token = self._meta.get("generation", retry=True)
            if token is None:
                token = uuid.uuid4().hex[:12]
                self._meta.add("generation", token, retry=True)
                token = self._meta.get("generation", default=token, retry=True)
            return token
        except _CACHE_ERRORS:
            return "uncached"

    def bump_generation(self) -> str:
        """Make every existing entry unreachable (they then age out)."""
        token = uuid.uuid4().hex[:12]
        self._ensure_open()
        self._meta.set("generation", token, retry=True)
        return token

    def count(self, counter: str, amount: int = 1) -> None:
        with self._pending_lock:
            self._pending[counter] += amount
            due = time.monotonic() - self._flushed_at >= 1.0
        if due:
            self.flush_counters()

    def flush_counters(self) -> None:
        """Add this process's pending counts to the shared totals."""
        with self._pending_lock:
            pending, self._pending = self._pending, Counter()
            self._flushed_at = time.monotonic()
        try:
            with self._meta.transact(retry=True):
                for counter, amount in pending.items():
                    self._meta.incr(f"stats:{counter}", amount, retry=True)
        except _CACHE_ERRORS:
            pass  # counters are best effort

    def stats(self) -> dict[str, Any]:
        """Totals over every process (each process's counts arrive within a second)."""
        self._ensure_open()
        self.flush()
        self.flush_counters()
        out: dict[str, Any] = {c: int(self._meta.get(f"stats:{c}", 0, retry=True)) for c in COUNTERS}
        out["entries"] = len(self._results)
        out["bytes"] = self._results.volume()
        return out

    def clear(self) -> None:
        """Drop every result and reset the counters (the generation token stays)."""
        self._ensure_open()
        self.flush()  # nothing computed before the clear may land after it
        self._results.clear(retry=True)
        with self._pending_lock:
            self._pending.clear()
        for counter in COUNTERS:
            self._meta.delete(f"stats:{counter}", retry=True)

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.flush_counters()
        self._results.close()
        self._meta.close()
