"""What every engine provides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import pandas as pd
import pyarrow as pa


@dataclass
class EngineResult:
    frame: pd.DataFrame
    query_id: str | None = None
    bytes_scanned: int | None = None
    engine_ms: float | None = None
    queue_ms: float | None = None
    state: str = "SUCCEEDED"


class Engine(Protocol):
    name: str  # part of every cache key
    dialect: str  # sqlglot dialect of the SQL `execute` takes

    def execute(
        self, sql: str, *, label: str = "sql", on_start: Callable[[str], None] | None = None
    ) -> EngineResult:
        """Run one final SQL statement. Raises QueryError (or a subclass) with a plain message.

        `on_start(query_id)` is called as soon as the engine has an id, so a caller can cancel.
        """

    def data_version(self) -> str:
        """Changes whenever the data changes, so cached results of old data become unreachable."""

    def latest_day(self) -> dt.date:
        """The last day with data: date presets end here."""

    def stream(self, sql: str, *, batch_rows: int = 50_000, label: str = "export") -> pa.RecordBatchReader:
        """The result as Arrow record batches, for exports too large to hold twice."""

    def billed_bytes(self, scanned: int) -> int:
        """The bytes a run that scanned `scanned` is billed for (cost = billed bytes × price)."""

    def cancel(self, query_id: str) -> None:
        """Stop a running query (best effort; a finished query is left alone)."""
