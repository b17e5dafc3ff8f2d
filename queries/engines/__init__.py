"""Engines run final SQL and return frames. `make_engine(settings)` picks one from settings."""

from __future__ import annotations

from queries.engines.base import Engine, EngineResult

__all__ = ["Engine", "EngineResult", "make_engine"]


def make_engine(settings) -> Engine:
    if settings.engine == "athena":
        from queries.engines.athena import AthenaEngine

        return AthenaEngine(settings)
    from queries.engines.duckdb import DuckDBEngine

    return DuckDBEngine(settings.resolved_data_dir, threads=settings.duckdb_threads,
                        memory_limit=settings.duckdb_memory_limit)
