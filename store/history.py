"""Query history: one row per run through the query layer, and the cost summary built on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from queries.service import QueryRecord
from store.db import Database

SORTABLE = ("at", "duration_ms", "rows", "bytes_scanned", "cost_usd")
# "page": the dashboard page that asked (rows from before that was recorded: the query name).
SUMMARY_GROUPS = {"user": "user_id", "page": "coalesce(page, name)", "day": "substr(at, 1, 10)",
                  "source": "source"}


@dataclass(frozen=True)
class HistoryFilter:
    user_id: str | None = None  # None: every user (admins only; the caller enforces that)
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    text: str = ""  # matches the query name or SQL
    sort: str = "at"
    descending: bool = True
    limit: int = 500


class QueryHistory:
    """Writes and reads `query_history`.

    >>> import tempfile, pathlib
    >>> history = QueryHistory(Database(pathlib.Path(tempfile.mkdtemp()) / "app.db"))
    >>> history.search(HistoryFilter())
    []
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    def record(self, record: QueryRecord) -> None:
        """QueryService listener. Ad hoc SQL is kept in full; a named query by its name."""
        sql_text = record.sql_text if record.sql_text is not None else record.name
        self.db.execute(
            "INSERT INTO query_history (at, user_id, role, tenants, source, name, sql_text, sql_hash, "
            "duration_ms, rows, bytes_scanned, cost_usd, cache_hit, status, state, engine, query_id, error, page) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.at.isoformat(timespec="milliseconds"), record.user_id, record.role, record.tenants,
                record.source, record.name, sql_text, record.sql_hash, round(record.duration_ms, 2),
                record.rows, record.bytes_scanned, record.cost_usd, int(record.cache_hit), record.status,
                record.state, record.engine, record.query_id, record.error, record.page,
            ),
        )

    def search(self, where: HistoryFilter) -> list[dict[str, Any]]:
        if where.sort not in SORTABLE:
            raise ValueError(f"cannot sort by {where.sort!r}; one of {', '.join(SORTABLE)}")
        clause, params = _where(where)
        order = "DESC" if where.descending else "ASC"
        rows = self.db.execute(
            f"SELECT * FROM query_history {clause} ORDER BY {where.sort} {order}, id {order} LIMIT ?",
            (*params, max(1, min(where.limit, 10_000))),
        ).fetchall()
        return [dict(row) for row in rows]

    def get(self, row_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM query_history WHERE id = ?", (row_id,)).fetchone()
        return dict(row) if row else None

    def cost_summary(self, by: str, where: HistoryFilter) -> list[dict[str, Any]]:
        """Runs, bytes scanned, cost, cache hit ratio and bytes the cache saved, per `by` group.

        Bytes saved are the bytes a cache hit would have scanned: the bytes of the last executed
        run of the same SQL (same hash).
        """
        if by not in SUMMARY_GROUPS:
            raise ValueError(f"cannot group by {by!r}; one of {', '.join(SUMMARY_GROUPS)}")
        clause, params = _where(where)
        group = SUMMARY_GROUPS[by]
        rows = self.db.execute(
            f"""
            WITH runs AS (SELECT * FROM query_history {clause}),
            scanned AS (
                SELECT sql_hash, max(bytes_scanned) AS bytes FROM query_history
                WHERE cache_hit = 0 AND bytes_scanned IS NOT NULL GROUP BY sql_hash
            )
            SELECT {group} AS grp,
                   count(*) AS runs,
                   coalesce(sum(CASE WHEN cache_hit = 0 THEN bytes_scanned END), 0) AS bytes_scanned,
                   coalesce(sum(CASE WHEN cache_hit = 0 THEN cost_usd END), 0) AS cost_usd,
                   avg(cache_hit) AS cache_hit_ratio,
                   coalesce(sum(CASE WHEN cache_hit = 1 THEN scanned.bytes END), 0) AS bytes_saved
            FROM runs LEFT JOIN scanned USING (sql_hash)
            GROUP BY grp ORDER BY cost_usd DESC, runs DESC
            """,
            params,
        ).fetchall()
        # sqlite3.Row iterates over values, so its keys() is needed here
        return [{by: row["grp"], **{k: row[k] for k in row.keys() if k != "grp"}} for row in rows]  # noqa: SIM118


def _where(where: HistoryFilter) -> tuple[str, tuple]:
    conditions, params = [], []
    if where.user_id is not None:
        conditions.append("user_id = ?")
        params.append(where.user_id)
    for column, values in (("source", where.sources), ("status", where.statuses)):
        if values:
            conditions.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if where.start:
        conditions.append("at >= ?")
        params.append(where.start.isoformat())
    if where.end:
        conditions.append("at < ?")
        params.append((where.end + dt.timedelta(days=1)).isoformat())
    if where.text:
        conditions.append("(name LIKE ? ESCAPE '\\' OR sql_text LIKE ? ESCAPE '\\')")
        pattern = "%" + where.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend([pattern, pattern])
    return ("WHERE " + " AND ".join(conditions)) if conditions else "", tuple(params)
