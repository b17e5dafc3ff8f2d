"""Query results the way Athena writes and serves them.

- ColumnInfo with Athena (Trino) type names, precision and scale.
- Every value as Athena's text: the CSV result file (header, every value quoted, NULL as an empty
  field) and the VarCharValue of GetQueryResults rows come from the same text table.
- UNLOAD to Parquet: several files with random names (Athena writes in parallel, so the order of
  rows across files is not the query's), INT96 timestamps as Athena writes them, and a manifest
  listing the files.
"""

from __future__ import annotations

import csv
import io
import uuid

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

PAGE_SIZE = 1000  # GetQueryResults' largest MaxResults
_UNLOAD_FILES = 4  # files an UNLOAD writes at most
_VARCHAR_PRECISION = 2147483647


def athena_type(arrow_type: pa.DataType) -> tuple[str, int, int]:
    """(Athena type name, precision, scale) of a result column of `arrow_type`."""
    if pa.types.is_boolean(arrow_type):
        return "boolean", 0, 0
    if pa.types.is_integer(arrow_type):
        return {8: ("tinyint", 3, 0), 16: ("smallint", 5, 0), 32: ("integer", 10, 0)}.get(
            arrow_type.bit_width, ("bigint", 19, 0)
        )
    if pa.types.is_float32(arrow_type):
        return "real", 17, 0
    if pa.types.is_floating(arrow_type):
        return "double", 17, 0
    if pa.types.is_decimal(arrow_type):
        return "decimal", arrow_type.precision, arrow_type.scale
    if pa.types.is_date(arrow_type):
        return "date", 0, 0
    if pa.types.is_timestamp(arrow_type):
        return ("timestamp with time zone" if arrow_type.tz else "timestamp"), 3, 0
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return "varbinary", 1073741824, 0
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return "array", 0, 0
    if pa.types.is_map(arrow_type):
        return "map", 0, 0
    if pa.types.is_struct(arrow_type):
        return "row", 0, 0
    if pa.types.is_null(arrow_type):
        return "unknown", 0, 0
    return "varchar", _VARCHAR_PRECISION, 0


def column_info(schema: pa.Schema) -> list[dict]:
    """ResultSetMetadata.ColumnInfo for a result of `schema`."""
    columns = []
    for field in schema:
        name, precision, scale = athena_type(field.type)
        columns.append(
            {
                "CatalogName": "hive",
                "SchemaName": "",
                "TableName": "",
                "Name": field.name,
                "Label": field.name,
                "Type": name,
                "Precision": precision,
                "Scale": scale,
                "Nullable": "UNKNOWN",
                "CaseSensitive": name == "varchar",
            }
        )
    return columns


def as_text(table: pa.Table) -> pa.Table:
    """Every column as Athena prints its values (NULL stays null)."""
    return pa.table(
        [_text(column) for column in table.columns],
        names=[str(n) for n in table.column_names],
    )


def csv_bytes(text: pa.Table) -> bytes:
    """The CSV result file: a quoted header, every value quoted, NULL as an empty field."""
    sink = io.BytesIO()
    if text.num_columns:
        pa_csv.write_csv(text, sink, pa_csv.WriteOptions(quoting_style="all_valid"))
    return sink.getvalue()


def read_csv_text(data: bytes) -> pa.Table:
    """Read a CSV result file back into its text table (quoted "" is text, an empty field NULL)."""
    if not data:
        return pa.table({})
    names = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8")]))
    convert = pa_csv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,
    )
    return pa_csv.read_csv(io.BytesIO(data), convert_options=convert)


def rows_page(text: pa.Table, offset: int, limit: int, *, header: bool) -> list[dict]:
    """GetQueryResults rows `offset`..`offset+limit` (the first page starts with the header row)."""
    rows = []
    if header:
        rows.append({"Data": [{"VarCharValue": n} for n in text.column_names]})
        limit -= 1
    columns = [c.to_pylist() for c in text.slice(offset, max(limit, 0)).columns]
    for values in zip(*columns, strict=True):
        rows.append({"Data": [{} if v is None else {"VarCharValue": v} for v in values]})
    return rows


def parquet_parts(table: pa.Table, compression: str) -> list[tuple[str, bytes]]:
    """UNLOAD output: (file name, Parquet bytes) for up to four slices, names in random order."""
    if table.num_rows == 0:
        return []
    parts = min(_UNLOAD_FILES, table.num_rows)
    step = -(-table.num_rows // parts)
    files = []
    for start in range(0, table.num_rows, step):
        sink = io.BytesIO()
        pq.write_table(
            table.slice(start, step),
            sink,
            compression=compression.lower(),
            use_deprecated_int96_timestamps=True,
        )
        files.append((f"{uuid.uuid4()}_{start // step:05d}.parquet", sink.getvalue()))
    return files


def _text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string())
    if pa.types.is_timestamp(kind):
        return _timestamp_text(column)
    if pa.types.is_floating(kind):
        return _float_text(column)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return pa.chunked_array(
            [pa.array([None if v is None else v.hex(" ") for v in column.to_pylist()], pa.string())]
        )
    if pa.types.is_nested(kind):
        return pa.chunked_array([pa.array([_nested_text(v) for v in column.to_pylist()], pa.string())])
    if pa.types.is_null(kind):
        return pa.chunked_array([pa.nulls(len(column), pa.string())])
    return pc.cast(column, pa.string())


def _timestamp_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """`2026-11-22 08:15:00.123`: milliseconds like Athena's timestamp(3), microseconds if needed."""
    naive = column.cast(pa.timestamp(column.type.unit)) if column.type.tz else column
    micros = naive.cast(pa.timestamp("us")).cast(pa.int64())
    if pc.all(pc.equal(pc.remainder(micros, 1000), 0)).as_py() in (True, None):
        naive = naive.cast(pa.timestamp("ms"))
    text = pc.cast(naive, pa.string())
    return pc.binary_join_element_wise(text, " UTC", "") if column.type.tz else text


def _float_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    text = pc.cast(column, pa.string())
    for plain, athena in (("nan", "NaN"), ("inf", "Infinity"), ("-inf", "-Infinity")):
        text = pc.if_else(pc.equal(text, plain), athena, text)
    return text


def _nested_text(value: object) -> str | None:
    """Athena's text of an array `[1, 2]`, a map or row `{a=1, b=2}`."""
    if value is None:
        return None
    if isinstance(value, list) and value and isinstance(value[0], tuple):  # a map's (key, value) pairs
        return "{" + ", ".join(f"{k}={_nested_text(v)}" for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(str(_nested_text(v)) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_nested_text(v)}" for k, v in value.items()) + "}"
    return str(value)
