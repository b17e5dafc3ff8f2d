"""`run()`: named SQL in, a pandas frame out, through the guard, the cache and an engine.

    compile (pure, memoised): parse -> bind parameters -> scope tables -> transpile
    key = engine + data version + cache generation + final SQL
    cache (single-flight) -> engine -> stable dtypes -> a history record to every listener
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pandas as pd
import pyarrow as pa
import sqlglot
import sqlglot.expressions as exp

from queries import adhoc, binding, budget, dialect, guard, named
from queries.cache import ResultCache
from queries.engines import Engine, make_engine
from queries.errors import QueryCancelled, QueryError, QueryRejected
from queries.filters import Filters
from queries.frames import normalise
from queries.principal import Principal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompiledQuery:
    name: str
    sql: str  # final SQL in the engine's dialect, tenant-scoped, parameters bound
    ttl_class: str

    @property
    def sql_hash(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class QueryRecord:
    """One history row: what ran, for whom, and what it cost."""

    at: dt.datetime
    user_id: str
    role: str
    tenants: str  # comma-separated, or "*" for all
    source: str  # page | explore | sql
    name: str
    sql_hash: str
    sql: str
    duration_ms: float
    rows: int
    cache_hit: bool
    status: str  # ok | error
    engine: str
    query_id: str | None = None
    bytes_scanned: int | None = None
    cost_usd: float | None = None
    engine_ms: float | None = None
    queue_ms: float | None = None
    state: str | None = None  # the engine's final state (SUCCEEDED, FAILED, CANCELLED)
    error: str | None = None
    sql_text: str | None = None  # ad hoc SQL as the user wrote it (None for named queries)
    page: str | None = None  # the dashboard page that asked (see `asked_from`), for cost per page


_asking_page: ContextVar[str | None] = ContextVar("asking_page", default=None)


@contextmanager
def asked_from(page: str) -> Iterator[None]:
    """Every run inside is recorded as asked by dashboard `page` (its id, e.g. "overview").

    A context variable rather than a parameter: a page's queries go through loaders, worker pools
    and the grid's SQL path, which only need to carry the context along (`contextvars.copy_context`).
    """
    token = _asking_page.set(page)
    try:
        yield
    finally:
        _asking_page.reset(token)


@dataclass
class _Cached:
    frame: pd.DataFrame
    query_id: str | None
    bytes_scanned: int | None
    engine_ms: float | None = None
    queue_ms: float | None = None
    state: str | None = None


@dataclass
class QueryService:
    """The query layer for one engine and one cache. Thread-safe; one per process."""

    engine: Engine
    cache: ResultCache
    ttls: Mapping[str, int]
    price_per_tb_usd: float = 5.0
    row_cap: int = 100_000  # most rows an ad hoc statement returns
    listeners: list[Callable[[QueryRecord], None]] = field(default_factory=list)

    def compile(
        self,
        name: str,
        principal: Principal,
        filters: Filters | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> CompiledQuery:
        return _compile(name, principal, filters, _freeze(params or {}), self.engine.dialect)

    def run(
        self,
        name: str,
        principal: Principal,
        *,
        filters: Filters | None = None,
        source: str = "page",
        on_start: Callable[[str], None] | None = None,
        **params: Any,
    ) -> pd.DataFrame:
        """Run a named query for `principal` and return its frame (a fresh copy per call).

        `on_start(query_id)` is called when the engine starts the query (not on a cache hit),
        so a caller can cancel it with `engine.cancel(query_id)`.

        Raises:
            QueryRejected: the name, parameters or SQL were refused before anything ran.
            QueryError: the engine failed; the message is safe to show.
        """
        return self._run(name, principal, source, lambda: self.compile(name, principal, filters, params), on_start)

    def cached(
        self,
        name: str,
        principal: Principal,
        *,
        filters: Filters | None = None,
        source: str = "page",
        **params: Any,
    ) -> pd.DataFrame | None:
        """The frame `run` would return if it is already cached, else None (nothing runs).

        Lets a caller answer cache hits at once and send only misses to a worker.
        """
        started = time.perf_counter()
        compiled = self.compile(name, principal, filters, params)
        cached = self.cache.peek(self._key(compiled))
        if cached is None:
            return None
        return self._answer(principal, source, name, compiled, started, cached, True)

    def run_sql(
        self,
        sql: str,
        principal: Principal,
        *,
        filters: Filters | None = None,
        source: str = "sql",
        on_start: Callable[[str], None] | None = None,
    ) -> pd.DataFrame:
        """Run one ad hoc read-only statement (SQL Lab, Explore) for `principal`, like `run`.

        The statement is validated, capped at `row_cap` rows and tenant-scoped by `queries.adhoc`
        before the cache key is made. `frame.attrs["row_cap"]` tells the cap it ran under.

        Raises:
            QueryRejected: the SQL was refused; the message says why.
            QueryError: the engine failed; the message is safe to show.
        """

        def compile_() -> CompiledQuery:
            final = adhoc.compile_sql(sql, principal, filters, self.engine.dialect, self.row_cap)
            return CompiledQuery(adhoc.NAME, final, "detail")

        frame = self._run(adhoc.NAME, principal, source, compile_, on_start, sql_text=sql)
        frame.attrs["row_cap"] = self.row_cap
        return frame

    def export_sql(
        self,
        sql: str,
        principal: Principal,
        *,
        limit: int,
        filters: Filters | None = None,
        source: str = "export",
        batch_rows: int = 50_000,
    ) -> tuple[int, pa.RecordBatchReader]:
        """(rows, a record batch reader) of one ad hoc statement, for an export of up to `limit` rows.

        Guarded and scoped like `run_sql`, but never cached (an export can be millions of rows)
        and streamed from the engine. The rows are counted first, so a result over `limit` is
        refused with QueryRejected before any of it is read.
        """
        started = time.perf_counter()
        compiled = None
        try:
            compiled = CompiledQuery(adhoc.NAME, adhoc.compile_sql(sql, principal, filters, self.engine.dialect,
                                                                   limit + 1), "detail")
            counted = exp.select(exp.Count(this=exp.Star()).as_("n")).from_(
                sqlglot.parse_one(compiled.sql, read=self.engine.dialect).subquery("export"))
            rows = int(self.engine.execute(counted.sql(self.engine.dialect), label="export").frame.iat[0, 0])
            if rows > limit:
                raise QueryRejected(f"the result has more than {limit:,} rows, the export limit; "
                                    "narrow the filters or add a LIMIT", name=adhoc.NAME)
            batches = self.engine.stream(compiled.sql, batch_rows=batch_rows, label="export")
        except QueryError as err:
            self._record(principal, source, adhoc.NAME, compiled, started, None, False, err, sql_text=sql)
            raise
        self._record(principal, source, adhoc.NAME, compiled, started, None, False, None, sql_text=sql, rows=rows)
        return rows, batches

    def _run(
        self,
        name: str,
        principal: Principal,
        source: str,
        compile_: Callable[[], CompiledQuery],
        on_start: Callable[[str], None] | None,
        sql_text: str | None = None,
    ) -> pd.DataFrame:
        started = time.perf_counter()
        compiled = None
        try:
            compiled = compile_()
            cached, hit = self.cache.get_or_compute(
                self._key(compiled), lambda: self._execute(compiled, on_start, principal.user_id), self.ttls[compiled.ttl_class]
            )
        except QueryError as err:
            self._record(principal, source, name, compiled, started, None, False, err, sql_text)
            raise
        return self._answer(principal, source, name, compiled, started, cached, hit, sql_text)

    def _answer(self, principal, source, name, compiled, started, cached, hit, sql_text=None) -> pd.DataFrame:
        """Count what a hit saved, record the run, and hand out a (copy-on-write) copy: callers may change it."""
        if hit and cached.bytes_scanned:
            self.cache.count("bytes_saved", cached.bytes_scanned)
        self._record(principal, source, name, compiled, started, cached, hit, None, sql_text)
        return cached.frame.copy(deep=False)  # copy-on-write: a caller's change never reaches the cache

    def _key(self, compiled: CompiledQuery) -> str:
        raw = "\x1f".join(
            (self.engine.name, self.engine.data_version(), self.cache.generation(), compiled.sql)
        )
        return hashlib.sha256(raw.encode()).hexdigest()

    def _execute(
        self, compiled: CompiledQuery, on_start: Callable[[str], None] | None = None, user_id: str = ""
    ) -> _Cached:
        # Bytes-scanned budget (queries/budget.py): refused here, before the engine spends anything.
        budget.check(self.engine, user_id, compiled.sql, label=compiled.name)
        result = self.engine.execute(compiled.sql, label=compiled.name, on_start=on_start)
        budget.charge(self.engine, user_id, result.bytes_scanned)
        return _Cached(
            normalise(result.frame), result.query_id, result.bytes_scanned,
            result.engine_ms, result.queue_ms, result.state,
        )

    def _record(self, principal, source, name, compiled, started, cached, hit, error, sql_text=None,
                rows: int | None = None) -> None:
        bytes_scanned = None if (cached is None or hit) else cached.bytes_scanned
        record = QueryRecord(
            at=dt.datetime.now(dt.UTC),
            user_id=principal.user_id,
            role=principal.role,
            tenants="*" if principal.all_tenants else ",".join(sorted(principal.tenants or ())),
            source=source,
            name=name,
            sql_hash=compiled.sql_hash if compiled else "",
            sql=compiled.sql if compiled else "",
            duration_ms=(time.perf_counter() - started) * 1000,
            rows=rows if rows is not None else 0 if cached is None else len(cached.frame),
            cache_hit=hit,
            status="error" if error else "ok",
            engine=self.engine.name,
            query_id=(error.query_id if error else cached.query_id) if (error or cached) else None,
            bytes_scanned=bytes_scanned,
            cost_usd=None if bytes_scanned is None
            else self.engine.billed_bytes(bytes_scanned) / 1e12 * self.price_per_tb_usd,
            engine_ms=None if (cached is None or hit) else cached.engine_ms,
            queue_ms=None if (cached is None or hit) else cached.queue_ms,
            state=("CANCELLED" if isinstance(error, QueryCancelled) else "FAILED") if error
            else (cached.state if cached is not None else None),
            error=str(error) if error else None,
            sql_text=sql_text,
            page=_asking_page.get(),
        )
        for listener in self.listeners:
            try:
                listener(record)
            except Exception:  # a broken listener must not fail the query
                log.exception("query listener %r failed", listener)


@lru_cache(maxsize=4096)
def _compile(name, principal, filters, frozen_params, target_dialect) -> CompiledQuery:
    query = named.load(name)
    params = dict(frozen_params)
    if filters is not None:
        params.setdefault("start_date", filters.start)
        params.setdefault("end_date", filters.end)
    tree = binding.bind(query.tree, params)
    tree = guard.scope_tables(tree, principal, filters)
    try:
        sql = dialect.to_dialect(tree, target_dialect)
    except QueryError as err:
        err.name = name
        raise
    return CompiledQuery(name, sql, query.ttl_class)


def _freeze(params: Mapping[str, Any]) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


# --- the process-wide service --------------------------------------------------------------

_service: QueryService | None = None
_service_lock = threading.Lock()
_subscribers: list[Callable[[QueryRecord], None]] = []


def subscribe(listener: Callable[[QueryRecord], None]) -> None:
    """Send every future query record to `listener`, on whichever service this process builds."""
    if listener not in _subscribers:
        _subscribers.append(listener)
    if _service is not None and listener not in _service.listeners:
        _service.listeners.append(listener)


def get_service() -> QueryService:
    """The service built from settings on first use (never at import time)."""
    global _service
    if _service is None:
        with _service_lock:
            if _service is None:
                _service = build_service()
    return _service


def build_service(settings=None) -> QueryService:
    from settings import get_settings

    settings = settings or get_settings()
    service = QueryService(
        engine=make_engine(settings),
        cache=ResultCache(
            settings.resolved_cache_dir,
            size_limit=settings.cache_size_limit,
            lock_timeout=settings.cache_lock_timeout,
        ),
        price_per_tb_usd=settings.athena_price_per_tb_usd,
        ttls={
            "kpi": settings.cache_ttl_kpi,
            "detail": settings.cache_ttl_detail,
            "metadata": settings.cache_ttl_metadata,
        },
        row_cap=settings.row_cap,
    )
    service.listeners.append(_log_record)
    service.listeners.extend(_subscribers)
    return service


def run(name: str, principal: Principal, *, filters: Filters | None = None, source: str = "page",
        on_start: Callable[[str], None] | None = None, **params: Any) -> pd.DataFrame:
    """Run a named query on the process-wide service. See `QueryService.run`."""
    return get_service().run(name, principal, filters=filters, source=source, on_start=on_start, **params)


def _log_record(record: QueryRecord) -> None:
    log.info(
        "query %s user=%s source=%s rows=%d %.1fms hit=%s status=%s",
        record.name, record.user_id, record.source, record.rows, record.duration_ms,
        record.cache_hit, record.status,
    )
