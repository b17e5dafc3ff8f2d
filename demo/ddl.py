"""Athena DDL for the demo layout: one external Parquet table per entry of `queries.tables.TABLES`.

Partitioned tables use partition projection on `dt`, so Athena needs no MSCK REPAIR or Glue
crawler: the `dt=YYYY-MM-DD/` folders are computed from the projected date range.
"""

from __future__ import annotations

from datetime import date

from queries.tables import TABLES, Table

# Athena DDL takes Hive type names; tables.py holds the DML (Trino) names, which differ only here.
_DDL_TYPE = {"varchar": "string"}


def _column_lines(table: Table) -> str:
    columns = [f"  `{name}` {_DDL_TYPE.get(kind, kind)}" for name, kind in table.columns]
    return ",\n".join(columns)


def _projection(location: str, start: date, end: date) -> str:
    props = {
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": f"{start.isoformat()},{end.isoformat()}",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": f"{location}dt=${{dt}}/",
    }
    lines = ",\n".join(f"  '{key}' = '{value}'" for key, value in props.items())
    return f"TBLPROPERTIES (\n{lines}\n)"


def table_ddl(table: Table, s3_location: str, start: date, end: date, database: str) -> str:
    """One CREATE EXTERNAL TABLE statement (ending with ';') for `table` under `s3_location`."""
    location = f"{s3_location.rstrip('/')}/{table.name}/"
    name = f"`{database}`.`{table.name}`"
    parts = [f"CREATE EXTERNAL TABLE IF NOT EXISTS {name} (\n{_column_lines(table)}\n)"]
    if table.partitioned:
        parts.append("PARTITIONED BY (`dt` string)")
    parts += ["STORED AS PARQUET", f"LOCATION '{location}'"]
    if table.partitioned:
        parts.append(_projection(location, start, end))
    return "\n".join(parts) + ";"


def athena_ddl(s3_location: str, start: date, end: date, database: str = "ai_product") -> str:
    """CREATE EXTERNAL TABLE statements for all four tables, separated by blank lines.

    `start`..`end` (inclusive) is the projected `dt` range; it must cover the generated partitions.
    """
    if not s3_location.startswith("s3://") or "'" in s3_location:
        raise ValueError(f"not an s3:// location: {s3_location!r}")
    if start > end:
        raise ValueError(f"empty date range {start}..{end}")
    if not database.replace("_", "").isalnum():
        raise ValueError(f"not a plain database name: {database!r}")
    statements = [table_ddl(t, s3_location, start, end, database) for t in TABLES.values()]
    return "\n\n".join(statements) + "\n"
