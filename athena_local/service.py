"""The Athena API over HTTP (awsJson1_1, `X-Amz-Target: AmazonAthena.<Operation>`).

Queries run on a small pool of worker threads, so a query waits QUEUED when the pool is busy,
then goes RUNNING and ends SUCCEEDED, FAILED or CANCELLED. Results are written to the S3 store
like Athena writes them (see `athena_local.results`). Request signatures are not checked.

Besides the Athena operations the server answers a small admin API under `/_athena_local/`
(faults, call counters, health; see `athena_local.admin`).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyarrow as pa
from botocore.exceptions import BotoCoreError, ClientError

from athena_local import results
from athena_local.faults import Faults, Markers, Rule, parse_markers
from athena_local.warehouse import Interrupted, SqlError, Warehouse
from queries.tables import TABLES

log = logging.getLogger(__name__)

ADMIN_PREFIX = "/_athena_local/"
_UNLOAD = re.compile(
    r"^\s*UNLOAD\s*\((?P<query>.*)\)\s*TO\s*'(?P<to>[^']+)'\s*WITH\s*\((?P<options>.*)\)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_OPTION = re.compile(r"(\w+)\s*=\s*'([^']*)'")
_S3_URL = re.compile(r"^s3://(?P<bucket>[^/]+)/?(?P<key>.*)$")
_KEEP_TEXT_RESULTS = 64  # result tables kept in memory for GetQueryResults; older ones re-read from S3


class ApiError(Exception):
    """An error answer of the API (HTTP 400 unless told)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass
class Execution:
    """One query execution and everything GetQueryExecution reports about it."""

    id: str
    query: str
    database: str | None
    catalog: str | None
    work_group: str
    output_dir: str  # s3://bucket/prefix/ the result files go to
    markers: Markers
    reuse_minutes: int | None  # result reuse asked for, and how old a reused result may be
    submitted: float = field(default_factory=time.time)
    state: str = "QUEUED"
    reason: str | None = None
    error: dict | None = None
    substatement: str = "SELECT"
    output_location: str | None = None
    manifest_location: str | None = None
    completed: float | None = None
    started: float | None = None
    planning_ms: int = 0
    engine_ms: int = 0
    scanned: int = 0
    reused: bool = False
    columns: list[dict] = field(default_factory=list)
    rows: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def terminal(self) -> bool:
        return self.state in ("SUCCEEDED", "FAILED", "CANCELLED")

    def end(self, state: str, reason: str | None = None, error: dict | None = None) -> bool:
        """Move to a terminal state unless already in one; True when this call ended it."""
        with self.lock:
            if self.terminal:
                return False
            self.state, self.reason, self.error = state, reason, error
            self.completed = time.time()
            return True

    def describe(self) -> dict:
        """The QueryExecution structure of GetQueryExecution."""
        reuse: dict[str, Any] = {"Enabled": self.reuse_minutes is not None}
        if self.reuse_minutes is not None:
            reuse["MaxAgeInMinutes"] = self.reuse_minutes
        return {
            "QueryExecutionId": self.id,
            "Query": self.query,
            "StatementType": "DML",
            "SubstatementType": self.substatement,
            "ResultConfiguration": {"OutputLocation": self.output_location},
            "ResultReuseConfiguration": {"ResultReuseByAgeConfiguration": reuse},
            "QueryExecutionContext": {
                k: v for k, v in (("Database", self.database), ("Catalog", self.catalog)) if v
            },
            "Status": self._status(),
            "Statistics": self._statistics(),
            "WorkGroup": self.work_group,
            "EngineVersion": {
                "SelectedEngineVersion": "AUTO",
                "EffectiveEngineVersion": "Athena engine version 3",
            },
        }

    def _status(self) -> dict:
        status: dict[str, Any] = {"State": self.state, "SubmissionDateTime": self.submitted}
        if self.completed:
            status["CompletionDateTime"] = self.completed
        if self.reason:
            status["StateChangeReason"] = self.reason
        if self.error:
            status["AthenaError"] = self.error
        return status

    def _statistics(self) -> dict:
        end = self.completed or time.time()
        total_ms = int((end - self.submitted) * 1000)
        queue_ms = int(((self.started or end) - self.submitted) * 1000)
        stats: dict[str, Any] = {
            "EngineExecutionTimeInMillis": self.engine_ms,
            "DataScannedInBytes": self.scanned,
            "TotalExecutionTimeInMillis": total_ms,
            "QueryQueueTimeInMillis": queue_ms,
            "ServicePreProcessingTimeInMillis": 0,
            "QueryPlanningTimeInMillis": self.planning_ms,
            # After the engine: writing and publishing the result files, as Athena counts it.
            "ServiceProcessingTimeInMillis": max(0, total_ms - self.engine_ms - queue_ms),
            "ResultReuseInformation": {"ReusedPreviousResult": self.reused},
        }
        if self.manifest_location:
            stats["DataManifestLocation"] = self.manifest_location
        return stats


class AthenaService:
    """The Athena operations, over a warehouse and an S3 client for the results."""

    def __init__(
        self,
        warehouse: Warehouse,
        s3_client: Any,
        faults: Faults,
        *,
        work_groups: dict[str, str],
        workers: int = 2,
        database: str = "ai_product",
        catalog: str = "AwsDataCatalog",
    ) -> None:
        self.warehouse = warehouse
        self.faults = faults
        self.work_groups = dict(work_groups)  # name -> default output location
        self.database = database
        self.catalog = catalog
        self._s3 = s3_client
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="athena-local-query")
        self._executions: dict[str, Execution] = {}
        self._texts: OrderedDict[str, pa.Table] = OrderedDict()
        self._lock = threading.Lock()
        self._created = time.time()

    def call(self, operation: str, params: dict) -> dict:
        """Answer one API operation. Raises ApiError for an error answer."""
        handler = getattr(self, "_op_" + re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower(), None)
        if handler is None:
            raise ApiError("UnknownOperationException", f"athena-local does not implement {operation}")
        return handler(params)

    def shutdown(self) -> None:
        for execution in list(self._executions.values()):
            self._stop(execution, "Query cancelled: athena-local is shutting down")
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.warehouse.close()

    # --- operations ------------------------------------------------------------------------

    def _op_start_query_execution(self, params: dict) -> dict:
        query = params.get("QueryString") or ""
        if not query.strip():
            raise ApiError("InvalidRequestException", "QueryString must not be empty")
        if params.get("ExecutionParameters"):
            raise ApiError("InvalidRequestException", "athena-local does not support ExecutionParameters")
        work_group = params.get("WorkGroup") or "primary"
        if work_group not in self.work_groups:
            raise ApiError("InvalidRequestException", f"WorkGroup {work_group} is not found.")
        output = (params.get("ResultConfiguration") or {}).get("OutputLocation") or self.work_groups[
            work_group
        ]
        if not output:
            raise ApiError(
                "InvalidRequestException",
                "No output location provided. An output location is required either through the "
                "Workgroup result configuration setting or as an API input.",
            )
        context = params.get("QueryExecutionContext") or {}
        reuse = (params.get("ResultReuseConfiguration") or {}).get("ResultReuseByAgeConfiguration") or {}
        execution = Execution(
            id=str(uuid.uuid4()),
            query=query,
            database=context.get("Database"),
            catalog=context.get("Catalog"),
            work_group=work_group,
            output_dir=output if output.endswith("/") else output + "/",
            markers=parse_markers(query),
            reuse_minutes=int(reuse.get("MaxAgeInMinutes", 60)) if reuse.get("Enabled") else None,
        )
        # Athena names the result file when the query starts; UNLOAD's is the manifest's prefix.
        suffix = "" if _UNLOAD.match(query) else ".csv"
        execution.output_location = f"{execution.output_dir}{execution.id}{suffix}"
        with self._lock:
            self._executions[execution.id] = execution
        if not self._reuse(execution):
            self._pool.submit(self._run, execution)
        return {"QueryExecutionId": execution.id}

    def _op_get_query_execution(self, params: dict) -> dict:
        return {"QueryExecution": self._execution(params).describe()}

    def _op_batch_get_query_execution(self, params: dict) -> dict:
        ids = params.get("QueryExecutionIds") or []
        found = [self._executions[i].describe() for i in ids if i in self._executions]
        missing = [
            {"QueryExecutionId": i, "ErrorCode": "INVALID_INPUT", "ErrorMessage": "QueryExecution not found"}
            for i in ids
            if i not in self._executions
        ]
        return {"QueryExecutions": found, "UnprocessedQueryExecutionIds": missing}

    def _op_list_query_executions(self, params: dict) -> dict:
        work_group = params.get("WorkGroup") or "primary"
        ids = [
            e.id
            for e in sorted(self._executions.values(), key=lambda e: -e.submitted)
            if e.work_group == work_group
        ]
        return _page(ids, params, "QueryExecutionIds", default_size=50)

    def _op_stop_query_execution(self, params: dict) -> dict:
        self._stop(self._execution(params), "Query cancelled by user")
        return {}

    def _op_get_query_results(self, params: dict) -> dict:
        execution = self._execution(params)
        if execution.state != "SUCCEEDED":
            raise ApiError(
                "InvalidRequestException",
                f"Query has not yet finished. Current state: {execution.state}",
            )
        size = int(params.get("MaxResults") or results.PAGE_SIZE)
        if not 1 <= size <= results.PAGE_SIZE:
            raise ApiError("InvalidRequestException", "MaxResults must be between 1 and 1000")
        answer: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {"Rows": [], "ResultSetMetadata": {"ColumnInfo": []}},
        }
        if execution.substatement == "UNLOAD":
            answer["UpdateCount"] = execution.rows
            return answer
        offset = _decode_token(params.get("NextToken"), execution.id)
        text = self._text(execution)
        first = offset == 0
        rows = results.rows_page(text, offset, size, header=first)
        after = offset + len(rows) - (1 if first else 0)
        answer["ResultSet"] = {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": execution.columns}}
        if after < text.num_rows:
            answer["NextToken"] = f"{execution.id}:{after}"
        return answer

    def _op_get_work_group(self, params: dict) -> dict:
        name = params.get("WorkGroup") or ""
        if name not in self.work_groups:
            raise ApiError("InvalidRequestException", f"WorkGroup {name} is not found.")
        return {
            "WorkGroup": {
                "Name": name,
                "State": "ENABLED",
                "CreationTime": self._created,
                "Description": "athena-local",
                "Configuration": {
                    "ResultConfiguration": {"OutputLocation": self.work_groups[name]},
                    "EnforceWorkGroupConfiguration": False,
                    "PublishCloudWatchMetricsEnabled": False,
                    "EngineVersion": {
                        "SelectedEngineVersion": "AUTO",
                        "EffectiveEngineVersion": "Athena engine version 3",
                    },
                },
            }
        }

    def _op_list_work_groups(self, params: dict) -> dict:
        groups = [
            {
                "Name": n,
                "State": "ENABLED",
                "Description": "athena-local",
                "CreationTime": self._created,
                "EngineVersion": {
                    "SelectedEngineVersion": "AUTO",
                    "EffectiveEngineVersion": "Athena engine version 3",
                },
            }
            for n in sorted(self.work_groups)
        ]
        return _page(groups, params, "WorkGroups", default_size=50)

    def _op_list_data_catalogs(self, params: dict) -> dict:
        return {"DataCatalogsSummary": [{"CatalogName": self.catalog, "Type": "GLUE"}]}

    def _op_list_databases(self, params: dict) -> dict:
        return {"DatabaseList": [{"Name": self.database, "Description": "athena-local demo dataset"}]}

    def _op_get_database(self, params: dict) -> dict:
        if params.get("DatabaseName") != self.database:
            raise ApiError("MetadataException", f"Database {params.get('DatabaseName')} not found.")
        return {"Database": {"Name": self.database, "Description": "athena-local demo dataset"}}

    def _op_list_table_metadata(self, params: dict) -> dict:
        tables = [self._table_metadata(name) for name in TABLES]
        return _page(tables, params, "TableMetadataList", default_size=50)

    def _op_get_table_metadata(self, params: dict) -> dict:
        name = (params.get("TableName") or "").lower()
        if name not in TABLES or params.get("DatabaseName") != self.database:
            raise ApiError("MetadataException", f"Table {params.get('TableName')} not found.")
        return {"TableMetadata": self._table_metadata(name)}

    # --- execution -------------------------------------------------------------------------

    def _execution(self, params: dict) -> Execution:
        execution = self._executions.get(params.get("QueryExecutionId") or "")
        if execution is None:
            raise ApiError(
                "InvalidRequestException", f"QueryExecution {params.get('QueryExecutionId')} was not found"
            )
        return execution

    def _reuse(self, execution: Execution) -> bool:
        """Answer from an earlier result of the same query, as Athena's result reuse does."""
        if execution.reuse_minutes is None or _UNLOAD.match(execution.query):
            return False
        oldest = time.time() - execution.reuse_minutes * 60
        for earlier in sorted(self._executions.values(), key=lambda e: -e.submitted):
            if (
                earlier.state == "SUCCEEDED"
                and not earlier.reused
                and earlier.completed
                and earlier.completed >= oldest
                and earlier.query == execution.query
                and (earlier.database, earlier.catalog, earlier.work_group)
                == (execution.database, execution.catalog, execution.work_group)
            ):
                execution.output_location, execution.columns = earlier.output_location, earlier.columns
                execution.rows, execution.reused, execution.started = earlier.rows, True, time.time()
                execution.end("SUCCEEDED")
                return True
        return False

    def _run(self, execution: Execution) -> None:
        try:
            if execution.markers.queue and execution.stop.wait(execution.markers.queue):
                return
            with execution.lock:
                if execution.terminal:
                    return  # stopped while queued
                execution.state, execution.started = "RUNNING", time.time()
            self._execute(execution)
        except SqlError as err:
            execution.end("FAILED", str(err), _athena_error(2, 1000, str(err), retryable=False))
        except Interrupted:
            pass  # StopQueryExecution has already ended it
        except (ClientError, BotoCoreError) as err:
            reason = f"Unable to write query results to {execution.output_dir}: {err}"
            execution.end("FAILED", reason, _athena_error(1, 401, reason, retryable=True))
        except Exception as err:  # noqa: BLE001 - a failed query, never a dead worker
            log.exception("query %s failed", execution.id)
            reason = f"GENERIC_INTERNAL_ERROR: {err}"
            execution.end("FAILED", reason, _athena_error(1, 100, reason, retryable=True))

    def _execute(self, execution: Execution) -> None:
        began = time.perf_counter()
        unload = _UNLOAD.match(execution.query)
        query = unload.group("query") if unload else execution.query
        duck_sql = self.warehouse.transpile(query, unload=bool(unload))
        execution.planning_ms = int((time.perf_counter() - began) * 1000)
        if execution.markers.slow and execution.stop.wait(execution.markers.slow):
            return
        if execution.markers.fail:
            reason = f"{execution.markers.fail}: failure injected by athena-local"
            execution.end("FAILED", reason, _athena_error(1, 100, reason, retryable=True))
            return
        answer = self.warehouse.run(duck_sql, execution.id, query)
        execution.engine_ms = int((time.perf_counter() - began) * 1000)
        execution.scanned = answer.scanned_bytes
        if unload:
            self._write_unload(
                execution, answer.table, unload.group("to"), dict(_OPTION.findall(unload.group("options")))
            )
        else:
            self._write_csv(execution, answer.table)
        execution.end("SUCCEEDED")

    def _write_csv(self, execution: Execution, table: pa.Table) -> None:
        text = results.as_text(table)
        location = f"{execution.output_dir}{execution.id}.csv"
        self._put(location, results.csv_bytes(text))
        execution.columns, execution.rows = results.column_info(table.schema), table.num_rows
        execution.output_location = location
        self._keep_text(execution.id, text)

    def _write_unload(self, execution: Execution, table: pa.Table, to: str, options: dict[str, str]) -> None:
        options = {k.lower(): v for k, v in options.items()}
        if options.get("format", "TEXTFILE").upper() != "PARQUET":
            raise SqlError("NOT_SUPPORTED", "athena-local writes UNLOAD output as PARQUET only")
        to = to if to.endswith("/") else to + "/"
        bucket, prefix = _split_s3(to)
        if self._s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1).get("KeyCount", 0):
            raise SqlError("HIVE_PATH_ALREADY_EXISTS", f"Target directory for table already exists: {to}")
        files = []
        for name, data in results.parquet_parts(table, options.get("compression", "GZIP")):
            self._put(to + name, data)
            files.append(to + name)
        execution.substatement, execution.rows = "UNLOAD", table.num_rows
        execution.output_location = f"{execution.output_dir}{execution.id}"
        execution.manifest_location = f"{execution.output_dir}{execution.id}-manifest.csv"
        self._put(execution.manifest_location, "".join(f"{f}\n" for f in files).encode())

    def _stop(self, execution: Execution, reason: str) -> None:
        if execution.end("CANCELLED", reason):
            execution.stop.set()
            self.warehouse.interrupt(execution.id)

    def _put(self, location: str, data: bytes) -> None:
        bucket, key = _split_s3(location)
        self._s3.put_object(Bucket=bucket, Key=key, Body=data)

    def _keep_text(self, query_id: str, text: pa.Table) -> None:
        with self._lock:
            self._texts[query_id] = text
            while len(self._texts) > _KEEP_TEXT_RESULTS:
                self._texts.popitem(last=False)

    def _text(self, execution: Execution) -> pa.Table:
        """The result's text table: from memory, or read back from the CSV file in S3 like Athena."""
        source = execution
        if execution.reused:
            source = next(
                e
                for e in self._executions.values()
                if e.output_location == execution.output_location and not e.reused
            )
        with self._lock:
            text = self._texts.get(source.id)
        if text is None:
            bucket, key = _split_s3(source.output_location or "")
            text = results.read_csv_text(self._s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            self._keep_text(source.id, text)
        return text

    def _table_metadata(self, name: str) -> dict:
        table = TABLES[name]
        return {
            "Name": name,
            "CreateTime": self._created,
            "TableType": "EXTERNAL_TABLE",
            "Columns": [{"Name": c, "Type": "string" if t == "varchar" else t} for c, t in table.columns],
            "PartitionKeys": [{"Name": "dt", "Type": "string"}] if table.partitioned else [],
        }


# --- HTTP ------------------------------------------------------------------------------------


class AthenaHTTPServer(ThreadingHTTPServer):
    """One thread per connection; clients keep connections alive (HTTP/1.1)."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: AthenaService) -> None:
        super().__init__(address, _Handler)
        self.service = service

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle on, the second waits for the client's
    # delayed ACK (about 40 ms per call on loopback).
    disable_nagle_algorithm = True
    server: AthenaHTTPServer

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self._body()
        if self.path.startswith(ADMIN_PREFIX):
            self._admin("POST", body)
            return
        operation = self.headers.get("X-Amz-Target", "").removeprefix("AmazonAthena.")
        service = self.server.service
        throttled = service.faults.athena_call(operation)
        if throttled:
            self._error(ApiError(throttled, "Rate exceeded"))
            return
        try:
            params = json.loads(body or b"{}")
            self._json(200, service.call(operation, params))
        except ApiError as err:
            self._error(err)
        except ValueError as err:
            self._error(ApiError("SerializationException", str(err)))

    def do_GET(self) -> None:  # noqa: N802
        self._admin("GET", b"")

    def do_DELETE(self) -> None:  # noqa: N802
        self._admin("DELETE", self._body())

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the http.server API
        log.debug("%s " + format, self.address_string(), *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _admin(self, method: str, body: bytes) -> None:
        faults = self.server.service.faults
        route = (method, self.path.removeprefix(ADMIN_PREFIX).rstrip("/"))
        if route == ("GET", "health"):
            self._json(200, {"ok": True, "data_dir": str(self.server.service.warehouse.data_dir)})
        elif route == ("GET", "stats"):
            self._json(200, {"calls": faults.counts()})
        elif route == ("POST", "stats/reset"):
            faults.reset_counts()
            self._json(200, {})
        elif route == ("POST", "faults"):
            try:
                faults.arm(Rule(**rule) for rule in json.loads(body or b"{}").get("rules", []))
            except (TypeError, ValueError) as err:
                self._json(400, {"message": str(err)})
                return
            self._json(200, {})
        elif route == ("DELETE", "faults"):
            faults.clear()
            self._json(200, {})
        else:
            self._json(404, {"message": f"no admin route {method} {self.path}"})

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, err: ApiError) -> None:
        payload = {"__type": err.code, "Message": err.message}
        if err.code == "TooManyRequestsException":
            payload["Reason"] = "CONCURRENT_QUERY_LIMIT_EXCEEDED"
        self._json(err.status, payload)


# --- helpers ---------------------------------------------------------------------------------


def _athena_error(category: int, kind: int, message: str, *, retryable: bool) -> dict:
    return {"ErrorCategory": category, "ErrorType": kind, "Retryable": retryable, "ErrorMessage": message}


def _split_s3(location: str) -> tuple[str, str]:
    match = _S3_URL.match(location)
    if match is None:
        raise SqlError("INVALID_INPUT", f"not an s3:// location: {location}")
    return match.group("bucket"), match.group("key")


def _decode_token(token: str | None, query_id: str) -> int:
    if not token:
        return 0
    owner, _, offset = token.rpartition(":")
    if owner != query_id or not offset.isdigit():
        raise ApiError("InvalidRequestException", "NextToken is invalid")
    return int(offset)


def _page(items: list, params: dict, key: str, *, default_size: int) -> dict:
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or default_size)
    answer: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        answer["NextToken"] = str(start + size)
    return answer
