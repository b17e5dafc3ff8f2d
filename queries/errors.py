"""Errors the query layer raises. Their messages are safe to show to a user."""

from __future__ import annotations


class QueryError(Exception):
    """A query could not produce a result.

    Args:
        message: what went wrong, in words a user can act on (the engine's own message included).
        name: the named query (or "sql" for ad hoc SQL).
        query_id: the engine's query id when the engine assigned one.
    """

    def __init__(self, message: str, *, name: str = "sql", query_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.query_id = query_id

    def __str__(self) -> str:
        where = f"{self.name}: " if self.name else ""
        qid = f" (query id {self.query_id})" if self.query_id else ""
        return f"{where}{self.message}{qid}"


class QueryRejected(QueryError):
    """The guard refused the SQL or its parameters before anything ran (a 4xx, not a 5xx)."""


class DataUnavailable(QueryError):
    """The dataset the engine reads is missing or unreadable."""


class QueryCancelled(QueryError):
    """The query was stopped by a user or a timeout."""
