"""Amazon Athena through PyAthena: fast fetches, short polls, retries, timeouts, cancel, budgets.

- One PyAthena connection per engine (boto3 clients are thread-safe); one cursor per query.
- Credentials, and the S3 endpoint, come from the standard AWS chain (environment, ~/.aws,
  instance role; `AWS_ENDPOINT_URL_S3`), never from the repository.
- Fetch path (`ATHENA_CURSOR`, measured in bench/athena.py and docs/athena.md): `auto`, the
  default, runs PyAthena's plain Cursor for the column metadata and reads the result CSV file
  with one S3 GET and pyarrow, exactly (NULL versus '' in text, types from the metadata).
  `arrow`, `pandas` and `default` are PyAthena's cursors as they are. With `ATHENA_UNLOAD` the
  arrow and pandas cursors UNLOAD to Parquet when the SQL allows it (every output column named,
  an ORDER BY on output columns only, re-applied because UNLOAD keeps no row order), and fetch
  the `auto` way when it does not.
- Polling starts at ATHENA_POLL_INTERVAL and backs off to ATHENA_POLL_MAX_INTERVAL; a cancel or the
  per-query timeout wakes the wait at once. The timeout stops the query with StopQueryExecution.
- Throttled calls are retried with exponential backoff and jitter (PyAthena's RetryConfig); botocore's
  own retries are off for Athena so the two layers do not multiply. S3 reads keep botocore's retries.
- `on_start(query_id)` fires from PyAthena's `on_start_query_execution` hook; `cancel(query_id)`
  calls StopQueryExecution.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlglot
import sqlglot.expressions as exp
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from pyathena import connect
from pyathena.arrow.cursor import ArrowCursor
from pyathena.arrow.result_set import AthenaArrowResultSet, AthenaArrowResultSetMetadataReader
from pyathena.cursor import Cursor
from pyathena.error import Error as PyAthenaError
from pyathena.model import AthenaQueryExecution
from pyathena.pandas.cursor import PandasCursor
from pyathena.util import THROTTLING_ERROR_CODES, RetryConfig, parse_output_location, retry_api_call
from sqlglot.errors import ParseError

from queries.budget import Budget, PartitionSizes
from queries.engines.base import EngineResult
from queries.errors import QueryCancelled, QueryError

log = logging.getLogger(__name__)

_POLL_GROWTH = 1.25
_STOP_GRACE_SECONDS = 10.0  # after StopQueryExecution, how long to wait for Athena to say CANCELLED
_LEADING_COMMENTS = re.compile(r"^\s*(?:/\*.*?\*/\s*|--[^\n]*\n\s*)*", re.DOTALL)


class AthenaEngine:
    """The Engine protocol over Amazon Athena (or a local Athena-compatible service)."""

    name = "athena"
    dialect = "athena"

    def __init__(self, settings: Any) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._conn = None
        self._running: dict[str, _Watch] = {}
        self.budget = _budget(settings, self._s3_client)
        if settings.athena_cursor == "arrow":
            _follow_s3_endpoint_in_arrow()

    # --- the Engine protocol -----------------------------------------------------------------

    def execute(
        self, sql: str, *, label: str = "sql", on_start: Callable[[str], None] | None = None
    ) -> EngineResult:
        """Run one Athena statement and return its frame with the query's id, state and statistics.

        Raises:
            QueryCancelled: stopped by `cancel()` or by the per-query timeout.
            QueryError: Athena refused or failed the query, or its result could not be read; the
                message says which and carries the query id.
        """
        fetch = _fetch_plan(sql, self._settings.athena_cursor, self._unload_possible())
        watch = _Watch(self._settings, self._stop)
        cursor = self._cursor(fetch, watch)
        try:
            cursor.execute(
                fetch.sql,
                on_start_query_execution=lambda qid: self._started(qid, watch, on_start),
                **fetch.read_options(),
            )
            frame = fetch.frame(cursor)
            return EngineResult(
                frame,
                query_id=cursor.query_id,
                bytes_scanned=cursor.data_scanned_in_bytes,
                engine_ms=cursor.engine_execution_time_in_millis,
                queue_ms=cursor.query_queue_time_in_millis,
                state=cursor.state or "SUCCEEDED",
            )
        except (PyAthenaError, BotoCoreError, ClientError, _Abandoned, OSError) as err:
            raise self._error(err, watch, label) from None
        finally:
            self._running.pop(watch.query_id or "", None)
            cursor.close()

    def stream(self, sql: str, *, batch_rows: int = 50_000, label: str = "export") -> pa.RecordBatchReader:
        """The result as record batches. Athena writes the whole result to S3 first, so the frame is
        fetched once (the `auto` path reads that CSV in a single GET) and then handed out in batches."""
        frame = self.execute(sql, label=label).frame
        table = pa.Table.from_pandas(frame, preserve_index=False)
        return pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=batch_rows))

    @staticmethod
    def billed_bytes(scanned: int) -> int:
        """Athena bills whole megabytes, and at least 10 of them a query."""
        return max(-(-scanned // 2**20), 10) * 2**20

    def cancel(self, query_id: str) -> None:
        """Stop a query with StopQueryExecution (a finished query is left as it is)."""
        watch = self._running.get(query_id)
        if watch is not None:
            watch.cancelled = True
        self._stop(query_id)
        if watch is not None:
            watch.wake()

    def data_version(self) -> str:
        """The listing's fingerprint of ATHENA_DATA_LOCATION; without one, the day (data lands daily)."""
        base = f"athena:{self._settings.athena_catalog}.{self._settings.athena_database}"
        listing = self._listing()
        return f"{base}:{listing.fingerprint if listing else self.latest_day().isoformat()}"

    def latest_day(self) -> dt.date:
        """The last partition day of ATHENA_DATA_LOCATION; without one, today (UTC)."""
        listing = self._listing()
        latest = listing.latest_day() if listing else None
        return latest or dt.datetime.now(dt.UTC).date()

    def _listing(self):
        return self.budget.sizes.listing() if self.budget.sizes is not None else None

    # --- connection and cursors --------------------------------------------------------------

    def connection(self):
        """The engine's PyAthena connection, made on first use."""
        with self._lock:
            if self._conn is None:
                self._conn = connect(**_connect_kwargs(self._settings))
            return self._conn

    def _s3_client(self):
        return self.connection().s3_client

    def _unload_possible(self) -> bool:
        # PyAthena writes UNLOAD output under the staging dir, so it needs one.
        s = self._settings
        return s.athena_unload and s.athena_cursor in ("arrow", "pandas") and bool(s.athena_s3_staging_dir)

    def _cursor(self, fetch: _Fetch, watch: _Watch):
        kwargs: dict[str, Any] = {"on_poll": watch.polled}
        if fetch.mode in ("arrow", "pandas"):
            kwargs["unload"] = fetch.unload
        elif fetch.mode == "auto":
            kwargs["arraysize"] = 1  # execute() pre-fetches one page: only the column metadata is needed
        cursor = self.connection().cursor(fetch.cursor, **kwargs)
        cursor.watch = watch
        return cursor

    def _started(self, query_id: str, watch: _Watch, on_start: Callable[[str], None] | None) -> None:
        watch.query_id = query_id
        self._running[query_id] = watch
        if on_start is not None:
            try:
                on_start(query_id)
            except Exception:  # a broken callback must not leave the query running unobserved
                log.exception("on_start callback failed for query %s", query_id)

    def _stop(self, query_id: str) -> None:
        conn = self.connection()
        try:
            retry_api_call(
                conn.client.stop_query_execution,
                config=conn.retry_config,
                logger=log,
                QueryExecutionId=query_id,
            )
        except (ClientError, BotoCoreError) as err:
            log.warning("could not stop Athena query %s: %s", query_id, err)

    # --- errors ------------------------------------------------------------------------------

    def _error(self, err: Exception, watch: _Watch, label: str) -> QueryError:
        qid = watch.query_id
        last = watch.last
        if isinstance(err, _Abandoned) or (
            last is not None and last.state == AthenaQueryExecution.STATE_CANCELLED
        ):
            if watch.timed_out:
                message = (
                    f"the query took longer than the {self._settings.athena_query_timeout:g} s limit "
                    "and was stopped in Athena"
                )
            elif watch.cancelled:
                message = "the query was cancelled"
            else:
                message = (
                    f"Athena cancelled the query: {last.state_change_reason if last else 'no reason given'}"
                )
            return QueryCancelled(message, name=label, query_id=qid)
        if last is not None and last.state == AthenaQueryExecution.STATE_FAILED:
            return QueryError(
                f"Athena could not run the query: {last.state_change_reason}", name=label, query_id=qid
            )
        if last is not None and last.state == AthenaQueryExecution.STATE_SUCCEEDED:
            return QueryError(
                f"the query succeeded but its result could not be read from S3 ({last.output_location}): "
                f"{_first_line(err)}",
                name=label,
                query_id=qid,
            )
        return QueryError(self._request_error(err), name=label, query_id=qid)

    def _request_error(self, err: Exception) -> str:
        cause = err.__cause__ or err
        code = cause.response.get("Error", {}).get("Code") if isinstance(cause, ClientError) else None
        if code in THROTTLING_ERROR_CODES:
            return (
                f"Athena is throttling requests ({code}; gave up after "
                f"{self._settings.athena_max_retries + 1} attempts). Try again in a minute."
            )
        if isinstance(cause, NoCredentialsError):
            return (
                "no AWS credentials found: configure the standard AWS chain (environment, ~/.aws or a role)"
            )
        if isinstance(cause, BotoCoreError):
            return f"cannot reach Athena: {cause}"
        return f"Athena refused the request: {_first_line(cause)}"


# --- polling ---------------------------------------------------------------------------------


class _Abandoned(Exception):
    """Athena did not confirm a stop within the grace period; the engine stops waiting."""


class _Watch:
    """One execution's polling: backoff, wake-up on cancel, the timeout that stops the query."""

    def __init__(self, settings: Any, stop: Callable[[str], None]) -> None:
        self.query_id: str | None = None
        self.last: AthenaQueryExecution | None = None
        self.cancelled = False
        self.timed_out = False
        self._stop = stop
        self._interval = settings.athena_poll_interval
        self._longest = max(settings.athena_poll_max_interval, self._interval)
        self._deadline = time.monotonic() + settings.athena_query_timeout
        self._give_up: float | None = None
        self._wake = threading.Event()

    def polled(self, execution: AthenaQueryExecution) -> None:
        """PyAthena's `on_poll` hook: keep the latest state (the terminal one explains errors)."""
        self.last = execution

    def wake(self) -> None:
        self._wake.set()

    def wait(self) -> None:
        """Sleep until the next poll; on timeout stop the query, and give up if Athena never confirms."""
        now = time.monotonic()
        if self._give_up is None and (self.cancelled or now >= self._deadline):
            self.timed_out = not self.cancelled
            if self.timed_out and self.query_id:
                self._stop(self.query_id)
            self._give_up = now + _STOP_GRACE_SECONDS
        if self._give_up is not None and now >= self._give_up:
            raise _Abandoned()
        pause = self._interval if self._give_up else min(self._interval, self._deadline - now)
        self._wake.wait(max(pause, 0.0))
        self._wake.clear()
        self._interval = min(self._interval * _POLL_GROWTH, self._longest)


class _WatchedPolls:
    """Cursor mixin: PyAthena's wait between state polls (`_wait_poll_interval`) is the watch's."""

    watch: _Watch

    def _wait_poll_interval(self) -> None:
        self.watch.wait()


class _DefaultCursor(_WatchedPolls, Cursor):
    pass


class _PandasCursor(_WatchedPolls, PandasCursor):
    pass


class _ArrowCursor(_WatchedPolls, ArrowCursor):
    pass


# --- fetch plans -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fetch:
    """How one statement is fetched: the mode, UNLOAD or not, and the order to re-apply after UNLOAD."""

    mode: str  # auto | arrow | pandas | default
    sql: str
    unload: bool = False
    columns: tuple[str, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (column, ascending)
    nulls_first: bool = False

    @property
    def cursor(self) -> type:
        return _CURSORS[self.mode]

    def read_options(self) -> dict[str, Any]:
        # pandas reads Parquet integers with NULLs as float64 unless asked for nullable types.
        return {"dtype_backend": "numpy_nullable"} if self.unload and self.mode == "pandas" else {}

    def frame(self, cursor: Any) -> pd.DataFrame:
        if self.mode == "auto":
            return _auto_frame(cursor)
        if self.mode == "arrow":
            frame = _to_pandas(_decimals_as_numbers(cursor.as_arrow(), cursor.description or []))
        elif self.mode == "pandas":
            frame = cursor.as_pandas()
        else:
            frame = _records_frame(cursor.fetchall(), cursor.description or [])
        return self._unloaded(frame) if self.unload else frame

    def _unloaded(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.columns.empty:
            return pd.DataFrame(columns=list(self.columns))  # an empty UNLOAD writes no file, so no columns
        if not self.order:
            return frame
        by = {str(c).lower(): c for c in frame.columns}
        return frame.sort_values(
            by=[by[c] for c, _ in self.order],
            ascending=[a for _, a in self.order],
            na_position="first" if self.nulls_first else "last",
            kind="stable",
            ignore_index=True,
        )


_NULLABLE = {
    pa.int8(): pd.Int64Dtype(),
    pa.int16(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}
_ATHENA_DTYPES = {
    "tinyint": "Int64",
    "smallint": "Int64",
    "integer": "Int64",
    "bigint": "Int64",
    "boolean": "boolean",
    "real": "float64",
    "float": "float64",
    "double": "float64",
    "decimal": "float64",
    "date": "datetime64[us]",
    "timestamp": "datetime64[us]",
    "varchar": "str",
    "char": "str",
}


def _records_frame(rows: list[tuple], description: list[tuple]) -> pd.DataFrame:
    """The default cursor's rows as a frame, each column typed by its Athena type.

    Rows alone cannot type an empty or all-NULL column, and integers and booleans are nullable.
    """
    names = [d[0] for d in description]
    columns = zip(*rows, strict=True) if rows else ([] for _ in description)
    return pd.DataFrame(
        {
            n: pd.Series(list(values), dtype=_ATHENA_DTYPES.get(d[1], "object"))
            for n, d, values in zip(names, description, columns, strict=True)
        },
        columns=names,
    )


_ARROW_TYPES = {
    "boolean": pa.bool_(),
    "tinyint": pa.int8(),
    "smallint": pa.int16(),
    "integer": pa.int32(),
    "bigint": pa.int64(),
    "real": pa.float32(),
    "float": pa.float32(),
    "double": pa.float64(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),  # Athena prints milliseconds, microseconds for some values
}


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow -> pandas; integer and boolean columns with NULLs stay integral and boolean (nullable)."""
    has_nulls = any(
        column.null_count and (pa.types.is_integer(column.type) or pa.types.is_boolean(column.type))
        for column in table.columns
    )
    # The nullable mapping copies every integer column, so it is used only when it changes something.
    return table.to_pandas(date_as_object=False, types_mapper=_NULLABLE.get if has_nulls else None)


def _decimals_as_numbers(table: pa.Table, description: list[tuple]) -> pa.Table:
    """ArrowCursor reads CSV decimals as text; make them decimals, as every other path does."""
    for i, column in enumerate(description):
        if (
            column[1] == "decimal"
            and i < table.num_columns
            and pa.types.is_string(table.schema.field(i).type)
        ):
            table = table.set_column(i, table.schema.field(i).name, table.column(i).cast(_arrow_type(column)))
    return table


def _auto_frame(cursor: Any) -> pd.DataFrame:
    """The result from its CSV file, typed by the metadata of the one-row page `execute` read.

    Exact where the DataFrame cursors' CSV readers are not (NULL versus '' in text), and without
    GetQueryResults pages, which botocore parses at about 45 ms per 1,000 rows.
    """
    description = cursor.description or []
    location = cursor.output_location
    if not location or not location.endswith(".csv"):  # no result file (managed results, SHOW ...)
        return _records_frame(cursor.fetchall(), description)
    return _csv_frame(cursor.connection, location, description)


def _csv_frame(connection: Any, location: str, description: list[tuple]) -> pd.DataFrame:
    """Read Athena's CSV result file: every value quoted, so an unquoted empty field is NULL."""
    bucket, key = parse_output_location(location)
    body = retry_api_call(
        connection.s3_client.get_object, config=connection.retry_config, logger=log, Bucket=bucket, Key=key
    )["Body"]
    with contextlib.closing(body):
        data = body.read()
    positions = [f"c{i}" for i in range(len(description))]  # names may repeat; positions do not
    table = pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(column_names=positions, skip_rows=1),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={p: _arrow_type(d) for p, d in zip(positions, description, strict=True)},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    return _to_pandas(table.rename_columns([d[0] for d in description]))


def _arrow_type(column: tuple) -> pa.DataType:
    if column[1] == "decimal":
        return pa.decimal128(column[4], column[5])
    return _ARROW_TYPES.get(column[1], pa.string())


_CURSORS = {"auto": _DefaultCursor, "arrow": _ArrowCursor, "pandas": _PandasCursor, "default": _DefaultCursor}


@lru_cache(maxsize=1024)
def _fetch_plan(sql: str, mode: str, unload: bool) -> _Fetch:
    """The fetch for `sql`: UNLOAD only when it returns the same frame as the plain query."""
    if not unload or mode not in ("arrow", "pandas"):
        return _Fetch(mode, sql)
    # PyAthena wraps only statements that start with SELECT or WITH: drop leading comments.
    body = _LEADING_COMMENTS.sub("", sql, count=1)
    shape = _unload_shape(body)
    if shape is None:
        return _Fetch("auto", sql)  # exact, unlike the DataFrame cursors' CSV readers
    columns, order, nulls_first = shape
    return _Fetch(mode, body, unload=True, columns=columns, order=order, nulls_first=nulls_first)


def _unload_shape(sql: str) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...], bool] | None:
    """(output columns, order keys, nulls first) when UNLOAD can fetch `sql`; None when it cannot."""
    if not re.match(r"(?i)(SELECT|WITH)\b", sql):
        return None
    try:
        tree = sqlglot.parse_one(sql, read="athena")
    except ParseError:
        return None
    if not isinstance(tree, exp.Query) or any(
        not isinstance(p, (exp.Alias, exp.Column)) for p in tree.selects
    ):
        return None  # UNLOAD refuses unnamed columns, and `*` hides which columns exist
    columns = tuple(p.alias_or_name.lower() for p in tree.selects)
    if len(set(columns)) != len(columns):
        return None
    order: list[tuple[str, bool]] = []
    nulls = set()
    for ordered in (tree.args.get("order") or exp.Order()).expressions:
        column = _order_column(ordered.this, tree.selects, columns)
        if column is None:
            return None  # ordered by something the frame does not have
        order.append((column, not ordered.args.get("desc")))
        nulls.add(bool(ordered.args.get("nulls_first")))
    if len(nulls) > 1:
        return None  # pandas applies one NULL placement to every key
    return columns, tuple(order), nulls == {True}


def _order_column(key: exp.Expression, selects: list[exp.Expression], columns: tuple[str, ...]) -> str | None:
    if isinstance(key, exp.Literal) and key.is_int and 1 <= int(key.this) <= len(columns):
        return columns[int(key.this) - 1]
    if isinstance(key, exp.Column) and key.name.lower() in columns:
        return key.name.lower()
    for projection, column in zip(selects, columns, strict=True):
        if isinstance(projection, exp.Alias) and projection.this == key:
            return column
    return None


# --- connection settings ---------------------------------------------------------------------


def _connect_kwargs(s: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "region_name": s.athena_region,
        "work_group": s.athena_work_group,
        "catalog_name": s.athena_catalog,
        "schema_name": s.athena_database,
        "poll_interval": s.athena_poll_interval,
        # True would start a helper thread per query to catch Ctrl-C; a server has no console.
        "kill_on_interrupt": False,
        "retry_config": RetryConfig(
            attempt=s.athena_max_retries + 1,
            multiplier=s.athena_retry_base_delay,
            max_delay=s.athena_retry_max_delay,
        ),
        # PyAthena retries throttling with jitter; botocore retrying too would multiply the attempts.
        "config": Config(retries={"mode": "standard", "total_max_attempts": 1}, max_pool_connections=32),
        "s3_config": Config(retries={"mode": "standard", "total_max_attempts": s.athena_max_retries + 1}),
        "result_reuse_enable": s.athena_result_reuse,
        "result_reuse_minutes": s.athena_result_reuse_minutes,
        # "" keeps PyAthena from reading AWS_ATHENA_S3_STAGING_DIR: the work group's location applies.
        "s3_staging_dir": s.athena_s3_staging_dir or "",
    }
    if s.athena_endpoint_url:
        kwargs["endpoint_url"] = s.athena_endpoint_url
    return kwargs


def _budget(s: Any, s3_client: Callable[[], Any]) -> Budget:
    sizes = None
    if s.athena_data_location:
        sizes = PartitionSizes(s.athena_data_location, ttl=s.athena_metadata_ttl, s3_client=s3_client)
    return Budget(
        sizes,
        per_query=s.athena_bytes_budget_per_query,
        per_user_day=s.athena_bytes_budget_per_user_day,
        ledger_dir=s.var_dir / "budget",
        price_per_tb_usd=s.athena_price_per_tb_usd,
    )


# --- the pyarrow S3 endpoint adapter ---------------------------------------------------------


class _EndpointFollowingReader(AthenaArrowResultSetMetadataReader):
    """ArrowCursor's result reader, with pyarrow's S3 file system on boto3's S3 endpoint.

    pyarrow's S3FileSystem ignores `AWS_ENDPOINT_URL_S3`, which boto3 (and so PyAthena's own S3
    client) follows, and PyAthena has no hook to pass it an `endpoint_override`. On AWS the endpoint
    is AWS's and this reader is PyAthena's; against a local S3 (athena_local, moto) it passes the
    endpoint on. Installed with `_follow_s3_endpoint_in_arrow()` through the result set's
    `_metadata_reader_class`, PyAthena's extension point for readers.
    """

    _AWS_HOSTS: ClassVar[tuple[str, ...]] = (".amazonaws.com", ".amazonaws.com.cn")

    def _create_s3_file_system(self) -> Any:
        endpoint = self._connection.s3_client.meta.endpoint_url or ""
        host = endpoint.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if not endpoint or host.endswith(self._AWS_HOSTS):
            return super()._create_s3_file_system()
        from pyarrow import fs

        scheme, _, address = endpoint.partition("://")
        kwargs: dict[str, Any] = {
            "region": self._connection.region_name,
            "endpoint_override": address.rstrip("/"),
            "scheme": scheme,
        }
        if self._connect_timeout is not None:
            kwargs["connect_timeout"] = self._connect_timeout
        if self._request_timeout is not None:
            kwargs["request_timeout"] = self._request_timeout
        credentials = self._connection.session.get_credentials()
        if credentials:
            frozen = credentials.get_frozen_credentials()
            kwargs.update(
                access_key=frozen.access_key, secret_key=frozen.secret_key, session_token=frozen.token
            )
        return fs.S3FileSystem(**kwargs)


def _follow_s3_endpoint_in_arrow() -> None:
    AthenaArrowResultSet._metadata_reader_class = _EndpointFollowingReader


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
