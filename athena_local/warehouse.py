"""Run Athena SQL on DuckDB over the dataset folder, and account for the bytes it scanned.

The views are the DuckDB engine's own (`queries.engines.duckdb._reader`), so both engines read the
same files the same way. Statements are transpiled with `queries.dialect`, as the DuckDB engine's
are. Only queries run (SELECT / WITH, and UNLOAD of one): the service never executes anything that
could change a setting, so the configuration can stay unlocked for per-cursor profiling.

DataScannedInBytes is what Athena bills: the bytes of the Parquet files in the partitions a query
touched. DuckDB's profile names, per Parquet scan, the files it read (up to five) and the partition
filter it pruned with; with more than five files the filter is evaluated over the partition list.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from queries import dialect
from queries.budget import Listing, estimate_bytes
from queries.engines.duckdb import _quote, _reader
from queries.errors import QueryError
from queries.tables import TABLES


class SqlError(Exception):
    """The statement cannot run; `name` is the Athena error name (SYNTAX_ERROR, ...)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


class Interrupted(Exception):
    """The statement was stopped by `Warehouse.interrupt`."""


@dataclass(frozen=True)
class Answer:
    table: pa.Table
    scanned_bytes: int


class Warehouse:
    """DuckDB views named like the Athena tables over `data_dir`, one cursor per thread."""

    def __init__(
        self, data_dir: Path, *, databases: Iterable[str] = ("ai_product",), threads: int = 2
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.databases = {d.lower() for d in databases}
        self._files = _list_files(self.data_dir)
        self._listing = _listing(self._files)
        self._root = duckdb.connect(":memory:", config={"threads": threads})
        for table in TABLES.values():
            self._root.execute(f"CREATE VIEW {table.name} AS SELECT * FROM {_reader(self.data_dir, table)}")
        self._root.execute(f"SET allowed_directories = ['{_quote(str(self.data_dir))}/']")
        self._root.execute("SET enable_external_access = false")
        self._root.execute("SET autoinstall_known_extensions = false")
        self._root.execute("SET autoload_known_extensions = false")
        self._lock = threading.Lock()
        self._local = threading.local()
        self._running: dict[str, duckdb.DuckDBPyConnection] = {}
        self._cursors: list[duckdb.DuckDBPyConnection] = []

    def transpile(self, sql: str, *, unload: bool = False) -> str:
        """Athena SQL of one query -> DuckDB SQL, with Athena's names for unnamed columns.

        Raises:
            SqlError: not a query, unknown schema or table, or a syntax error.
        """
        try:
            tree = dialect.parse(sql)
        except QueryError as err:
            raise SqlError("SYNTAX_ERROR", err.message) from None
        if not isinstance(tree, exp.Query):
            raise SqlError("NOT_SUPPORTED", "athena-local runs queries (SELECT, WITH, UNLOAD) only")
        tree = self._unqualify(tree)
        _name_columns(tree, strict=unload)
        try:
            return dialect.to_dialect(tree, "duckdb")
        except QueryError as err:
            raise SqlError(_error_name(err.message), err.message) from None

    def run(self, duck_sql: str, key: str, athena_sql: str) -> Answer:
        """Run transpiled SQL; `key` lets `interrupt(key)` stop it from another thread.

        `athena_sql` (the statement as sent) gives the scan estimate when the profile cannot.

        Raises:
            SqlError: DuckDB refused or failed the statement.
            Interrupted: `interrupt(key)` was called.
        """
        cursor = self._cursor()
        self._running[key] = cursor
        try:
            table = cursor.sql(duck_sql).to_arrow_table()
            profile = json.loads(cursor.get_profiling_information(format="json"))
        except duckdb.InterruptException:
            raise Interrupted() from None
        except duckdb.Error as err:
            raise SqlError(_duckdb_error_name(err), _first_line(err)) from None
        finally:
            self._running.pop(key, None)
        return Answer(table, self._scanned_bytes(profile, athena_sql))

    def interrupt(self, key: str) -> None:
        cursor = self._running.get(key)
        if cursor is not None:
            cursor.interrupt()

    def close(self) -> None:
        with self._lock:
            for cursor in self._cursors:
                cursor.close()
            self._root.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            with self._lock:
                cursor = self._root.cursor()
                self._cursors.append(cursor)
            # Profiling is per connection; "no_output" keeps the profile for the query without printing it.
            cursor.execute("SET enable_profiling = 'no_output'")
            self._local.cursor = cursor
        return cursor

    def _unqualify(self, tree: exp.Expression) -> exp.Expression:
        """Drop `catalog.database.` from table names: the views live in one DuckDB schema."""
        for table in tree.find_all(exp.Table):
            db = table.args.get("db")
            if db is None:
                continue
            if db.name.lower() not in self.databases:
                raise SqlError("SCHEMA_NOT_FOUND", f"Schema '{db.name}' does not exist")
            table.set("db", None)
            table.set("catalog", None)
        return tree

    def _scanned_bytes(self, profile: dict, athena_sql: str) -> int:
        scans = [self._scan_files(scan) for scan in _parquet_scans(profile.get("operator", []))]
        if "operator" not in profile or None in scans:
            # DuckDB answers some aggregates from Parquet metadata and then has no usable profile:
            # estimate from the SQL as the Athena engine's budget does (whole touched partitions).
            return estimate_bytes(athena_sql, self._listing)
        files = set().union(*scans)
        return sum(self._files[_table_of(self.data_dir, f)][f] for f in files)

    def _scan_files(self, info: dict) -> set[Path] | None:
        """The files one Parquet scan read; None when the profile does not say which table."""
        listed = [n for n in str(info.get("Filename(s)", "")).split(", ") if n]
        if not listed:
            return None if int(info.get("Total Files Read", 0) or 0) else set()
        truncated = listed[-1] == "..." or any("*" in n for n in listed)
        listed = [Path(n) for n in listed if n != "..."]
        table = _table_of(self.data_dir, listed[0])
        if not truncated:
            return set(listed)
        every = self._files[table]
        chosen = self._prune(every, info.get("File Filters"))
        if chosen is None or len(chosen) != int(info.get("Total Files Read", -1)):
            return set(every)  # cannot tell which: bill every file of the table, as an upper bound
        return chosen

    def _prune(self, files: dict[Path, int], file_filter: str | None) -> set[Path] | None:
        """The files whose `dt` partition passes DuckDB's own partition filter text."""
        if not file_filter:
            return set(files)
        by_day = {_partition_day(f): f for f in files}
        values = ", ".join(f"('{_quote(day)}')" for day in by_day if day is not None)
        if not values:
            return None
        try:
            with duckdb.connect(":memory:", config={"enable_external_access": False}) as con:
                rows = con.execute(
                    f"SELECT dt FROM (VALUES {values}) AS p(dt) WHERE {file_filter}"
                ).fetchall()
        except duckdb.Error:
            return None
        return {by_day[day] for (day,) in rows}


def _list_files(data_dir: Path) -> dict[str, dict[Path, int]]:
    return {
        name: {p.resolve(): p.stat().st_size for p in sorted((data_dir / name).rglob("*.parquet"))}
        for name in TABLES
    }


def _listing(files: dict[str, dict[Path, int]]) -> Listing:
    sizes: dict[str, dict[str | None, int]] = {}
    for table, table_files in files.items():
        parts = sizes.setdefault(table, {})
        for path, size in table_files.items():
            parts[_partition_day(path)] = parts.get(_partition_day(path), 0) + size
    return Listing(sizes)


def _table_of(data_dir: Path, path: Path) -> str:
    return path.absolute().relative_to(data_dir).parts[0]


def _partition_day(path: Path) -> str | None:
    part = path.parent.name
    return part[3:] if part.startswith("dt=") else None


def _parquet_scans(nodes: list[dict]) -> Iterable[dict]:
    for node in nodes:
        info = node.get("extra_info") or {}
        if info.get("Function") == "READ_PARQUET":
            yield info
        yield from _parquet_scans(node.get("children", []))


def _name_columns(tree: exp.Query, *, strict: bool) -> None:
    """Name unnamed output columns `_col<i>` as Athena does; UNLOAD refuses them instead."""
    select = tree if isinstance(tree, exp.Select) else next(iter(tree.find_all(exp.Select)), None)
    if select is None:
        return
    for i, projection in enumerate(select.expressions):
        if isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
            continue
        if strict:
            raise SqlError("NOT_SUPPORTED", f"Column name not specified at position {i + 1}")
        projection.replace(exp.alias_(projection.copy(), f"_col{i}"))


def _error_name(message: str) -> str:
    lowered = message.lower()
    if "could not find table" in lowered or "unknown table" in lowered:
        return "TABLE_NOT_FOUND"
    if "column" in lowered:
        return "COLUMN_NOT_FOUND"
    return "SYNTAX_ERROR"


def _duckdb_error_name(err: duckdb.Error) -> str:
    if isinstance(err, duckdb.ConversionException | duckdb.OutOfRangeException):
        return "INVALID_CAST_ARGUMENT"
    if isinstance(err, duckdb.BinderException | duckdb.CatalogException):
        return "SEMANTIC_ERROR"
    if isinstance(err, duckdb.IOException):
        return "HIVE_CANNOT_OPEN_SPLIT"
    return "GENERIC_INTERNAL_ERROR"


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
