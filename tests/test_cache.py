"""The result cache: hits, TTLs, key separation, single-flight across threads and processes."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import time

import pytest

from queries.cache import ResultCache


def test_cache001_miss_then_hit(tmp_path):
    cache = ResultCache(tmp_path)
    calls = []
    assert cache.get_or_compute("k", lambda: calls.append(1) or "v", ttl=60) == ("v", False)
    assert cache.get_or_compute("k", lambda: calls.append(1) or "other", ttl=60) == ("v", True)
    assert calls == [1]
    stats = cache.stats()
    assert (stats["hits"], stats["misses"], stats["executions"]) == (1, 1, 1)


def test_cache002_keys_are_separate(tmp_path):
    cache = ResultCache(tmp_path)
    assert cache.get_or_compute("a", lambda: 1, ttl=60)[0] == 1
    assert cache.get_or_compute("b", lambda: 2, ttl=60)[0] == 2
    assert cache.get_or_compute("a", lambda: 3, ttl=60)[0] == 1


def test_cache003_ttl_expiry(tmp_path):
    cache = ResultCache(tmp_path)
    cache.get_or_compute("k", lambda: "old", ttl=1)
    time.sleep(1.2)
    assert cache.get_or_compute("k", lambda: "new", ttl=1) == ("new", False)


def test_cache004_single_flight_threads(tmp_path):
    cache = ResultCache(tmp_path)
    executions = []
    barrier = threading.Barrier(20)

    def slow():
        executions.append(1)
        time.sleep(0.3)
        return "v"

    results = []

    def worker():
        barrier.wait()
        results.append(cache.get_or_compute("same", slow, ttl=60)[0])

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(executions) == 1
    assert results == ["v"] * 20
    assert cache.stats()["executions"] == 1


def _process_worker(directory, start_at, counter_path):
    cache = ResultCache(directory)
    while time.time() < start_at:
        time.sleep(0.001)

    def slow():
        with open(counter_path, "a") as f:
            f.write("x")
        time.sleep(0.5)
        return "v"

    value, _ = cache.get_or_compute("same", slow, ttl=60)
    assert value == "v"


def test_cache005_single_flight_processes(tmp_path):
    counter = tmp_path / "executions.txt"
    counter.write_text("")
    start_at = time.time() + 1.0
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_worker, args=(tmp_path / "c", start_at, counter)) for _ in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert all(p.exitcode == 0 for p in procs)
    assert counter.read_text() == "x"


def test_cache006_generation_bump_makes_entries_unreachable(tmp_path):
    cache = ResultCache(tmp_path)
    first = cache.generation()
    assert cache.generation() == first
    assert cache.bump_generation() != first
    assert cache.generation() != first


def test_cache007_clear(tmp_path):
    cache = ResultCache(tmp_path)
    cache.get_or_compute("k", lambda: 1, ttl=60)
    cache.clear()
    assert cache.get_or_compute("k", lambda: 2, ttl=60) == (2, False)
    assert cache.stats()["executions"] == 1


def test_cache008_deleted_directory_is_recreated(tmp_path):
    cache = ResultCache(tmp_path / "c")
    cache.get_or_compute("k", lambda: 1, ttl=60)
    cache.flush()  # stored, then the directory vanishes
    shutil.rmtree(tmp_path / "c")
    assert cache.get_or_compute("k", lambda: 2, ttl=60) == (2, False)
    assert (tmp_path / "c" / "results").is_dir()


def test_cache009_unwritable_cache_still_computes(tmp_path, monkeypatch):
    cache = ResultCache(tmp_path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(cache._results, "get", broken)
    assert cache.get_or_compute("k", lambda: "v", ttl=60) == ("v", False)


def test_cache010_failed_compute_releases_the_lock(tmp_path):
    cache = ResultCache(tmp_path)
    with pytest.raises(ValueError):
        cache.get_or_compute("k", lambda: (_ for _ in ()).throw(ValueError("boom")), ttl=60)
    assert cache.get_or_compute("k", lambda: "v", ttl=60) == ("v", False)


def test_cache011_peek_never_computes(tmp_path):
    cache = ResultCache(tmp_path)
    assert cache.peek("k") is None
    cache.get_or_compute("k", lambda: "v", ttl=60)
    assert cache.peek("k") == "v"
    cache.flush_counters()
    assert cache.stats()["hits"] == 1 and cache.stats()["executions"] == 1


def test_cache012_waiters_recover_when_the_leader_fails(tmp_path):
    """The first thread's computation fails; the threads waiting on it are not failed with it:
    one of them computes, once, and every other waiter gets that value."""
    cache = ResultCache(tmp_path)
    calls, barrier, results, errors = [], threading.Barrier(8), [], []

    def compute():
        calls.append(1)
        time.sleep(0.2)
        if len(calls) == 1:
            raise ValueError("the engine went away")
        return "v"

    def worker():
        barrier.wait()
        try:
            results.append(cache.get_or_compute("k", compute, ttl=60)[0])
        except ValueError:
            errors.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(errors), results, len(calls)) == (1, ["v"] * 7, 2)


def test_cache013_waiting_threads_do_not_poll_the_store(tmp_path):
    """Threads of one process wait on the leader in memory: the store is read by the leader only."""
    cache = ResultCache(tmp_path)
    reads, real_get = [], cache._results.get
    cache._results.get = lambda *a, **k: reads.append(a[0]) or real_get(*a, **k)
    barrier = threading.Barrier(10)

    def worker():
        barrier.wait()
        cache.get_or_compute("k", lambda: time.sleep(0.3) or "v", ttl=60)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reads) < 25  # each caller's first look, and the leader's lock checks: no polling


def test_cache014_written_behind_but_never_computed_twice(tmp_path):
    """The caller gets its value before the store is written; meanwhile the process answers from
    memory, and once written another process (here another instance) finds it with the lock freed."""
    cache, calls = ResultCache(tmp_path), []
    assert cache.get_or_compute("k", lambda: calls.append(1) or "v", ttl=60) == ("v", False)
    assert cache.get_or_compute("k", lambda: calls.append(1) or "other", ttl=60) == ("v", True)
    assert cache.peek("k") == "v"
    cache.flush()
    other = ResultCache(tmp_path)
    assert other.peek("k") == "v" and other._results.get("lock:k") is None
    assert calls == [1]


_PARENT: dict[str, ResultCache] = {}  # the forked child inherits it


def _forked_child(directory, results):
    cache = _PARENT[directory]
    results.put(cache.get_or_compute("slow", lambda: "child computed", ttl=60))


def test_cache015_a_forked_child_does_not_wait_on_its_parents_threads(tmp_path):
    """Forked while a thread of the parent computes a key: the child has none of the parent's
    in-memory flights (their threads did not come along), so it waits at the shared lock and gets
    the parent's value instead of hanging."""
    cache = ResultCache(tmp_path)
    _PARENT[str(tmp_path)] = cache
    started = threading.Event()

    def slow():
        started.set()
        time.sleep(0.6)
        return "parent computed"

    leader = threading.Thread(target=lambda: cache.get_or_compute("slow", slow, ttl=60))
    leader.start()
    started.wait(5)
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    child = ctx.Process(target=_forked_child, args=(str(tmp_path), results))
    child.start()
    child.join(20)
    leader.join()
    assert child.exitcode == 0
    assert results.get(timeout=1) == ("parent computed", True)


def test_cache016_a_value_that_cannot_be_stored_frees_its_key(tmp_path):
    """Stored behind the caller's back, a value that cannot be pickled is logged and dropped, and
    its cross-process lock is freed at once (not held until it expires)."""
    cache = ResultCache(tmp_path, lock_timeout=300)
    unpicklable = threading.Lock()
    assert cache.get_or_compute("k", lambda: unpicklable, ttl=60) == (unpicklable, False)
    cache.flush()
    assert cache._results.get("lock:k") is None
    assert cache.get_or_compute("k", lambda: "again", ttl=60) == ("again", False)
