"""Named SQL: one Athena-SQL file per query in queries/sql/, with a small comment header.

    -- Daily interactions and failures for the trend chart.
    -- cache: kpi
    SELECT ...

`cache:` picks the TTL class (kpi, detail or metadata; default kpi).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlglot.expressions as exp

from queries.dialect import parse
from queries.errors import QueryRejected

SQL_DIR = Path(__file__).resolve().parent / "sql"
TTL_CLASSES = ("kpi", "detail", "metadata")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_HEADER = re.compile(r"^--\s*(\w+):\s*(\S+)\s*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sql: str
    tree: exp.Expression
    ttl_class: str
    description: str


def names() -> list[str]:
    return sorted(p.stem for p in SQL_DIR.glob("*.sql"))


@cache
def load(name: str) -> NamedQuery:
    """Read and parse a named query once per process (the files do not change under a server)."""
    if not _NAME.match(name):
        raise QueryRejected(f"invalid query name {name!r}", name=name)
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise QueryRejected(f"no named query {name!r}", name=name)
    sql = path.read_text()
    header = {}
    description = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        match = _HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2)
        else:
            description.append(line.lstrip("- ").strip())
    ttl_class = header.get("cache", "kpi")
    if ttl_class not in TTL_CLASSES:
        raise ValueError(f"{path}: cache class must be one of {TTL_CLASSES}")
    return NamedQuery(name, sql, parse(sql), ttl_class, " ".join(description).strip())
