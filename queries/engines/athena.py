"""Amazon Athena through PyAthena. Credentials come from the standard AWS chain."""

from __future__ import annotations

import datetime as dt
import threading

from pyathena import connect
from pyathena.arrow.cursor import ArrowCursor
from pyathena.error import Error as PyAthenaError

from queries.engines.base import EngineResult
from queries.errors import QueryError


class AthenaEngine:
    name = "athena"
    dialect = "athena"

    def __init__(self, settings) -> None:
        self._settings = settings
        self._local = threading.local()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            s = self._settings
            kwargs = {
                "region_name": s.athena_region,
                "work_group": s.athena_work_group,
                "catalog_name": s.athena_catalog,
                "schema_name": s.athena_database,
                "poll_interval": s.athena_poll_interval,
                "cursor_class": ArrowCursor,
            }
            if s.athena_s3_staging_dir:
                kwargs["s3_staging_dir"] = s.athena_s3_staging_dir
            if s.athena_endpoint_url:
                kwargs["endpoint_url"] = s.athena_endpoint_url
            conn = self._local.conn = connect(**kwargs)
        return conn

    def execute(self, sql: str, *, label: str = "sql") -> EngineResult:
        cursor = self._connection().cursor()
        try:
            cursor.execute(sql)
            frame = cursor.as_arrow().to_pandas()
        except PyAthenaError as err:
            raise QueryError(str(err).strip().splitlines()[0], name=label, query_id=cursor.query_id) from None
        return EngineResult(
            frame,
            query_id=cursor.query_id,
            bytes_scanned=cursor.data_scanned_in_bytes,
            engine_ms=cursor.engine_execution_time_in_millis,
            queue_ms=cursor.query_queue_time_in_millis,
        )

    def cancel(self, query_id: str) -> None:
        self._connection().client.stop_query_execution(QueryExecutionId=query_id)

    def latest_day(self) -> dt.date:
        return dt.datetime.now(dt.UTC).date()

    def data_version(self) -> str:
        return f"athena:{self._settings.athena_catalog}.{self._settings.athena_database}"
