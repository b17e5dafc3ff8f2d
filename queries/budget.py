"""Bytes-scanned budgets: refuse a query before it runs when it would scan too much.

Athena bills the bytes of the files a query reads, so the estimate is the size of the Parquet files
in the partitions the final (tenant-scoped, filtered) SQL touches: the guard narrows every
partitioned table to `dt BETWEEN 'start' AND 'end'`, which is read from the SQL here and matched
against a listing of the table folders (`PartitionSizes`, from S3 or a local copy). A predicate on
`dt` that is not a plain comparison with string literals does not narrow the estimate: it errs high.

Two limits, both optional:
- per query: a query whose estimate is over it is refused (`BudgetExceeded`) before anything runs;
- per user per UTC day: the bytes a user's queries actually scanned are kept in a small diskcache
  ledger shared by the app's processes; a query that would go over the rest of the day is refused.

The engine owns the budget (`engine.budget`, None when there is none); `QueryService` calls
`check()` before executing and `charge()` after, with the user it knows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import diskcache
import sqlglot.expressions as exp
from botocore.exceptions import BotoCoreError, ClientError

from queries import dialect
from queries.errors import QueryRejected
from queries.tables import TABLES

log = logging.getLogger(__name__)

_LEDGER_KEEP_SECONDS = 3 * 86400


class BudgetExceeded(QueryRejected):
    """The query would scan more than a bytes-scanned budget allows."""


@dataclass(frozen=True)
class Listing:
    """Bytes per partition of every table: `{table: {dt or None: bytes}}` (None: unpartitioned)."""

    sizes: dict[str, dict[str | None, int]]

    @property
    def fingerprint(self) -> str:
        """Changes whenever a partition is added, removed or changes size."""
        items = sorted((t, d or "", b) for t, parts in self.sizes.items() for d, b in parts.items())
        return hashlib.sha256(repr(items).encode()).hexdigest()[:12]

    def latest_day(self) -> dt.date | None:
        days = [d for parts in self.sizes.values() for d in parts if d]
        return dt.date.fromisoformat(max(days)) if days else None

    def bytes_for(self, table: str, keep: Callable[[str], bool] | None) -> int:
        parts = self.sizes.get(table, {})
        return sum(b for d, b in parts.items() if keep is None or d is None or keep(d))


class PartitionSizes:
    """A listing of the table folders under `location` (s3://... or a local path), reused for `ttl` s."""

    def __init__(
        self, location: str, *, ttl: float = 300, s3_client: Callable[[], Any] | None = None
    ) -> None:
        self.location = location.rstrip("/")
        self._ttl = ttl
        self._s3_client = s3_client
        self._lock = threading.Lock()
        self._cached: tuple[float, Listing] | None = None

    def listing(self) -> Listing | None:
        """The listing, refreshed after `ttl` seconds; the last good one (or None) if listing fails."""
        with self._lock:
            if self._cached is None or time.monotonic() - self._cached[0] > self._ttl:
                try:
                    self._cached = (time.monotonic(), Listing(self._list()))
                except (OSError, BotoCoreError, ClientError) as err:
                    log.warning("cannot list %s: %s", self.location, err)
                    return self._cached[1] if self._cached else None
            return self._cached[1]

    def _list(self) -> dict[str, dict[str | None, int]]:
        if self.location.startswith("s3://"):
            return {t: _by_partition(self._s3_objects(t)) for t in TABLES}
        root = Path(self.location)
        return {
            t: _by_partition(
                (str(p.relative_to(root / t)), p.stat().st_size) for p in (root / t).rglob("*.parquet")
            )
            for t in TABLES
        }

    def _s3_objects(self, table: str) -> Iterable[tuple[str, int]]:
        bucket, _, prefix = self.location.removeprefix("s3://").partition("/")
        prefix = f"{prefix}/{table}/" if prefix else f"{table}/"
        pages = self._s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", []):
                if not item["Key"].endswith("/") and "$folder$" not in item["Key"]:
                    yield item["Key"][len(prefix) :], item["Size"]


class Budget:
    """The per-query and per-user-per-day limits on bytes scanned, and the daily ledger."""

    def __init__(
        self,
        sizes: PartitionSizes | None,
        *,
        per_query: int | None = None,
        per_user_day: int | None = None,
        ledger_dir: Path | None = None,
        price_per_tb_usd: float = 5.0,
    ) -> None:
        self.sizes = sizes
        self.per_query = per_query
        self.per_user_day = per_user_day
        self.price_per_tb_usd = price_per_tb_usd
        self._ledger = (
            diskcache.Cache(str(ledger_dir), eviction_policy="none") if per_user_day and ledger_dir else None
        )
        if (per_query or per_user_day) and sizes is None:
            log.warning(
                "bytes budgets are set but ATHENA_DATA_LOCATION is not: queries cannot be estimated "
                "before they run, so only the daily ledger is enforced"
            )

    def estimate(self, sql: str) -> int | None:
        """Bytes the query would scan (whole files of the partitions it touches); None if unknown."""
        listing = self.sizes.listing() if self.sizes is not None else None
        return None if listing is None else estimate_bytes(sql, listing)

    def check(self, user_id: str, sql: str, *, label: str = "sql") -> None:
        """Refuse the query (BudgetExceeded) if it would go over a limit; nothing has run yet."""
        estimate = self.estimate(sql) if (self.per_query or self.per_user_day) else None
        if self.per_query and estimate is not None and estimate > self.per_query:
            raise BudgetExceeded(
                f"this query would scan about {_size(estimate)} ({self._cost(estimate)}), over the limit of "
                f"{_size(self.per_query)} per query. Narrow the date range or the filters.",
                name=label,
            )
        if self.per_user_day:
            spent = self.spent_today(user_id)
            if spent + (estimate or 0) > self.per_user_day:
                raise BudgetExceeded(
                    f"you have scanned {_size(spent)} of your {_size(self.per_user_day)} daily limit today (UTC)"
                    + (f" and this query would scan about {_size(estimate)} more" if estimate else "")
                    + ". Narrow the date range, use cached pages, or try again tomorrow.",
                    name=label,
                )

    def charge(self, user_id: str, bytes_scanned: int | None) -> None:
        """Add what a query really scanned to the user's total for today."""
        if self._ledger is None or not bytes_scanned:
            return
        key = _ledger_key(user_id)
        self._ledger.incr(key, bytes_scanned, default=0, retry=True)
        self._ledger.touch(key, expire=_LEDGER_KEEP_SECONDS, retry=True)

    def spent_today(self, user_id: str) -> int:
        if self._ledger is None:
            return 0
        return int(self._ledger.get(_ledger_key(user_id), default=0, retry=True))

    def _cost(self, nbytes: int) -> str:
        return f"about ${nbytes / 1e12 * self.price_per_tb_usd:,.2f}"


def check(engine: Any, user_id: str, sql: str, *, label: str = "sql") -> None:
    """`Budget.check` of the engine's budget; no-op for an engine without one."""
    budget = getattr(engine, "budget", None)
    if budget is not None:
        budget.check(user_id, sql, label=label)


def charge(engine: Any, user_id: str, bytes_scanned: int | None) -> None:
    """`Budget.charge` of the engine's budget; no-op for an engine without one."""
    budget = getattr(engine, "budget", None)
    if budget is not None:
        budget.charge(user_id, bytes_scanned)


def estimate_bytes(sql: str, listing: Listing) -> int:
    """Bytes of the files in the partitions `sql` (Athena SQL) touches, each file counted once."""
    wanted: dict[str, list[Callable[[str], bool]] | None] = {}
    for table in dialect.parse(sql).find_all(exp.Table):
        name = table.name.lower()
        if name not in TABLES:
            continue
        keep = _partition_filter(table) if TABLES[name].partitioned else None
        if keep is None or wanted.get(name, []) is None:
            wanted[name] = None  # every partition
        else:
            wanted.setdefault(name, []).append(keep)
    return sum(
        listing.bytes_for(name, None if keeps is None else (lambda d, ks=keeps: any(k(d) for k in ks)))
        for name, keeps in wanted.items()
    )


def _partition_filter(table: exp.Table) -> Callable[[str], bool] | None:
    """A test of `dt` values from the WHERE of the SELECT that reads `table`; None if it has none."""
    if not isinstance(table.parent, (exp.From, exp.Join)):
        return None
    select = table.parent.parent
    where = select.args.get("where") if isinstance(select, exp.Select) else None
    if where is None:
        return None
    single_source = not select.args.get("joins")
    condition = where.this.unnest()
    conjuncts = condition.flatten() if isinstance(condition, exp.And) else [condition]
    tests = [
        test
        for conjunct in conjuncts
        if (test := _dt_test(conjunct.unnest(), table.alias_or_name.lower(), single_source)) is not None
    ]
    if not tests:
        return None
    return lambda day: all(test(day) for test in tests)


def _dt_test(node: exp.Expression, alias: str, single_source: bool) -> Callable[[str], bool] | None:
    """`dt <op> 'literal'` as a Python test, or None when `node` is anything else."""
    columns = list(node.find_all(exp.Column))
    if not columns or any(
        c.name.lower() != "dt" or (c.table.lower() not in ("", alias)) or (not c.table and not single_source)
        for c in columns
    ):
        return None
    if isinstance(node, exp.Between) and _is_dt(node.this):
        low, high = _text(node.args.get("low")), _text(node.args.get("high"))
        return None if low is None or high is None else (lambda d: low <= d <= high)
    if isinstance(node, exp.In) and _is_dt(node.this) and not node.args.get("query"):
        values = [_text(v) for v in node.expressions]
        return None if None in values else (lambda d: d in values)
    return _comparison(node)


_FLIPPED = {exp.GT: exp.LT, exp.GTE: exp.LTE, exp.LT: exp.GT, exp.LTE: exp.GTE, exp.EQ: exp.EQ}
_TESTS: dict[type, Callable[[str, str], bool]] = {
    exp.GT: lambda d, v: d > v,
    exp.GTE: lambda d, v: d >= v,
    exp.LT: lambda d, v: d < v,
    exp.LTE: lambda d, v: d <= v,
    exp.EQ: lambda d, v: d == v,
}


def _comparison(node: exp.Expression) -> Callable[[str], bool] | None:
    kind = type(node)
    if kind not in _TESTS:
        return None
    left, right = node.this, node.expression
    if _is_dt(right):
        left, right, kind = right, left, _FLIPPED[kind]
    value = _text(right)
    if not _is_dt(left) or value is None:
        return None
    test = _TESTS[kind]
    return lambda d: test(d, value)


def _is_dt(node: exp.Expression | None) -> bool:
    return isinstance(node, exp.Column) and node.name.lower() == "dt"


def _text(node: exp.Expression | None) -> str | None:
    return node.this if isinstance(node, exp.Literal) and node.is_string else None


def _by_partition(objects: Iterable[tuple[str, int]]) -> dict[str | None, int]:
    """Sum object sizes by their `dt=` folder (None for files outside any partition)."""
    sizes: dict[str | None, int] = {}
    for relative, size in objects:
        day = next((p[3:] for p in relative.split("/") if p.startswith("dt=")), None)
        sizes[day] = sizes.get(day, 0) + size
    return sizes


def _ledger_key(user_id: str) -> str:
    return f"{dt.datetime.now(dt.UTC).date().isoformat()}|{user_id}"


def _size(nbytes: int) -> str:
    """Decimal units, as AWS bills: 1 TB = 10^12 bytes."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes} bytes"
