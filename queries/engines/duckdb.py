"""The embedded engine: DuckDB over the local Parquet dataset.

One in-memory database holds views over the Parquet folders; each thread gets its own cursor
(a DuckDB connection must not be shared across threads). File access is then limited to the data
directory and the configuration locked, so user SQL cannot read anything else.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from queries.engines.base import EngineResult
from queries.errors import DataUnavailable, QueryCancelled, QueryError
from queries.tables import TABLES

REGENERATE_HINT = "Regenerate it with `python -m demo.generate --out {dir}` (or delete it and restart the app)."


class DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, data_dir: Path, *, threads: int = 2, memory_limit: str = "4GB") -> None:
        self.data_dir = Path(data_dir).resolve()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._running: dict[str, duckdb.DuckDBPyConnection] = {}
        self._manifest_cache: dict | None = None
        self._root = self._connect(threads, memory_limit)

    def _connect(self, threads: int, memory_limit: str) -> duckdb.DuckDBPyConnection:
        missing = [t for t in TABLES if not (self.data_dir / t).is_dir()]
        if missing:
            raise DataUnavailable(
                f"the dataset at {self.data_dir} is missing {', '.join(missing)}. "
                + REGENERATE_HINT.format(dir=self.data_dir),
                name="",
            )
        # Replacement scans would let SQL read any pandas frame in a calling Python frame by name.
        # Set at connect time: a SET on the root connection does not reach its cursors.
        # Without insertion order a LIMIT streams instead of buffering the whole scan (a 1M-row
        # export adds 60 MB instead of 350 MB); SQL that needs an order says ORDER BY.
        config = {"threads": threads, "memory_limit": memory_limit, "python_enable_replacements": False,
                  "preserve_insertion_order": False}
        con = duckdb.connect(":memory:", config=config)
        for table in TABLES.values():
            con.execute(f"CREATE VIEW {table.name} AS SELECT * FROM {_reader(self.data_dir, table)}")
        # The second wall behind the SQL guard: no file outside the dataset, no settings changes.
        con.execute(f"SET allowed_directories = ['{_quote(str(self.data_dir))}/']")
        con.execute("SET enable_external_access = false")
        con.execute("SET autoinstall_known_extensions = false")
        con.execute("SET autoload_known_extensions = false")
        con.execute("SET lock_configuration = true")
        return con

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._lock:
                cursor = self._root.cursor()
            self._local.cursor = cursor
        return cursor

    def execute(
        self, sql: str, *, label: str = "sql", on_start: Callable[[str], None] | None = None
    ) -> EngineResult:
        cursor = self._cursor()
        query_id = uuid.uuid4().hex
        self._running[query_id] = cursor
        if on_start is not None:
            on_start(query_id)
        started = time.perf_counter()
        try:
            frame = cursor.execute(sql).df()
        except duckdb.InterruptException:
            raise QueryCancelled("the query was cancelled", name=label, query_id=query_id) from None
        except duckdb.Error as err:
            if isinstance(err, duckdb.IOException) or str(self.data_dir) in str(err):
                # A missing or unreadable dataset file, not a mistake in the SQL.
                raise DataUnavailable(
                    f"cannot read the dataset: {_first_line(err)}. " + REGENERATE_HINT.format(dir=self.data_dir),
                    name=label,
                ) from None
            raise QueryError(_first_line(err), name=label) from None
        finally:
            self._running.pop(query_id, None)
        return EngineResult(frame, query_id=query_id, engine_ms=(time.perf_counter() - started) * 1000)

    def stream(self, sql: str, *, batch_rows: int = 50_000, label: str = "export") -> pa.RecordBatchReader:
        """The result as Arrow record batches, read as they are consumed (exports of millions of rows).

        A cursor of its own: the stream outlives this call and must not hold the thread's cursor.
        """
        with self._lock:
            cursor = self._root.cursor()
        try:
            reader = cursor.sql(sql).to_arrow_reader(batch_rows)  # lazy: no copy of the rows
        except duckdb.Error as err:
            cursor.close()
            raise QueryError(_first_line(err), name=label) from None
        return pa.RecordBatchReader.from_batches(reader.schema, _batches(reader, cursor))

    @staticmethod
    def billed_bytes(scanned: int) -> int:
        return scanned  # nothing is billed; the bytes as read, should an engine report them

    def cancel(self, query_id: str) -> None:
        cursor = self._running.get(query_id)
        if cursor is not None:
            cursor.interrupt()

    def data_version(self) -> str:
        return str(self._manifest().get("data_version", "unversioned"))

    def latest_day(self) -> dt.date:
        end = self._manifest().get("end_date")
        return dt.date.fromisoformat(end) if end else dt.datetime.now(dt.UTC).date()

    def _manifest(self) -> dict:
        if self._manifest_cache is None:
            from demo.generate import read_manifest

            self._manifest_cache = read_manifest(self.data_dir) or {}
        return self._manifest_cache


def _batches(reader, cursor) -> Iterator[pa.RecordBatch]:
    try:
        yield from reader
    finally:
        cursor.close()


def _reader(data_dir: Path, table) -> str:
    folder = _quote(str(data_dir / table.name))
    if table.partitioned:
        return (
            f"read_parquet('{folder}/*/*.parquet', hive_partitioning = true, "
            "hive_types = {'dt': VARCHAR})"
        )
    return f"read_parquet('{folder}/*.parquet')"


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
