"""The local Athena service speaks Athena's API: states, results in S3, paging, statistics, faults."""

from __future__ import annotations

import time

import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")


def start(client, local_athena, sql: str) -> str:
    return client.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": "ai_product"},
        ResultConfiguration={"OutputLocation": local_athena.staging_dir},
    )["QueryExecutionId"]


def wait(client, query_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        execution = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        if execution["Status"]["State"] in TERMINAL:
            return execution
        time.sleep(0.01)
    raise AssertionError(f"query {query_id} did not finish")


def s3_bytes(s3, location: str) -> bytes:
    bucket, _, key = location.removeprefix("s3://").partition("/")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_ath001_states_go_queued_running_succeeded(athena_client, local_athena):
    qid = start(athena_client, local_athena, "SELECT 1 AS one /* athena-local: queue=0.3, slow=0.3 */")
    seen = []
    for _ in range(200):
        state = athena_client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]["State"]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state in TERMINAL:
            break
        time.sleep(0.02)
    assert seen == ["QUEUED", "RUNNING", "SUCCEEDED"]
    stats = athena_client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Statistics"]
    assert stats["QueryQueueTimeInMillis"] >= 250
    assert stats["EngineExecutionTimeInMillis"] >= 250


def test_ath002_csv_result_quotes_every_value_and_leaves_null_empty(athena_client, local_athena, s3):
    sql = "SELECT 1 AS a, CAST(NULL AS varchar) AS b, '' AS c, 'x\"y,z' AS d, true AS e, 2.5 AS f"
    execution = wait(athena_client, start(athena_client, local_athena, sql))
    location = execution["ResultConfiguration"]["OutputLocation"]
    assert location == f"{local_athena.staging_dir}{execution['QueryExecutionId']}.csv"
    assert s3_bytes(s3, location) == b'"a","b","c","d","e","f"\n"1",,"","x""y,z","true","2.5"\n'


def test_ath003_get_query_results_pages_by_1000_with_next_token(athena_client, local_athena):
    sql = "SELECT interaction_id FROM interactions ORDER BY interaction_id LIMIT 2500"
    qid = wait(athena_client, start(athena_client, local_athena, sql))["QueryExecutionId"]
    pages, token = [], None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = athena_client.get_query_results(QueryExecutionId=qid, MaxResults=1000, **kwargs)
        pages.append(page["ResultSet"]["Rows"])
        token = page.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [1000, 1000, 501]  # the first page starts with the header row
    assert pages[0][0] == {"Data": [{"VarCharValue": "interaction_id"}]}
    values = [int(r["Data"][0]["VarCharValue"]) for r in [row for p in pages for row in p][1:]]
    assert values == sorted(values) and len(values) == 2500
    with pytest.raises(ClientError, match="MaxResults|1000"):
        athena_client.get_query_results(QueryExecutionId=qid, MaxResults=1001)


def test_ath004_column_info_uses_athena_type_names(athena_client, local_athena):
    sql = (
        "SELECT CAST(1 AS tinyint) AS t, CAST(1 AS integer) AS i, CAST(1 AS bigint) AS b, 1.5e0 AS d, "
        "CAST(1.5 AS decimal(10, 2)) AS m, 'x' AS v, DATE '2026-01-02' AS dd, "
        "TIMESTAMP '2026-01-02 03:04:05.678' AS ts, true AS bo, count(*) AS c"
    )
    qid = wait(athena_client, start(athena_client, local_athena, sql))["QueryExecutionId"]
    page = athena_client.get_query_results(QueryExecutionId=qid)
    info = {
        c["Name"]: (c["Type"], c["Precision"], c["Scale"])
        for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
    }
    assert info == {
        "t": ("tinyint", 3, 0),
        "i": ("integer", 10, 0),
        "b": ("bigint", 19, 0),
        "d": ("double", 17, 0),
        "m": ("decimal", 10, 2),
        "v": ("varchar", 2147483647, 0),
        "dd": ("date", 0, 0),
        "ts": ("timestamp", 3, 0),
        "bo": ("boolean", 0, 0),
        "c": ("bigint", 19, 0),
    }
    values = [d.get("VarCharValue") for d in page["ResultSet"]["Rows"][1]["Data"]]
    assert values == ["1", "1", "1", "1.5", "1.50", "x", "2026-01-02", "2026-01-02 03:04:05.678", "true", "1"]


def test_ath005_unnamed_columns_are_named_like_athena(athena_client, local_athena):
    qid = wait(athena_client, start(athena_client, local_athena, "SELECT 1, count(*) AS n, 2"))[
        "QueryExecutionId"
    ]
    info = athena_client.get_query_results(QueryExecutionId=qid)["ResultSet"]["ResultSetMetadata"][
        "ColumnInfo"
    ]
    assert [c["Name"] for c in info] == ["_col0", "n", "_col2"]


def test_ath006_data_scanned_is_the_bytes_of_the_touched_partitions(athena_client, local_athena, athena_data):
    def scanned(sql: str) -> int:
        return wait(athena_client, start(athena_client, local_athena, sql))["Statistics"][
            "DataScannedInBytes"
        ]

    def files(table: str, days: list[str] | None = None) -> int:
        paths = (athena_data / table).rglob("*.parquet")
        return sum(p.stat().st_size for p in paths if days is None or p.parent.name[3:] in days)

    nov = [f"2026-11-{d:02d}" for d in range(10, 21)]  # eleven days: more than DuckDB names in its profile
    assert scanned(
        "SELECT count(*) AS n FROM interactions WHERE dt BETWEEN '2026-11-10' AND '2026-11-20'"
    ) == files("interactions", nov)
    assert scanned("SELECT count(*) AS n FROM interactions WHERE dt = '2026-11-20'") == files(
        "interactions", ["2026-11-20"]
    )
    joined = (
        "SELECT count(*) AS n FROM (SELECT * FROM interactions WHERE dt BETWEEN '2026-11-10' AND '2026-11-20') i "
        "JOIN clinicians c ON c.clinician_id = i.clinician_id"
    )
    assert scanned(joined) == files("interactions", nov) + files("clinicians")
    assert scanned("SELECT count(*) AS n FROM clinical_notes") == files("clinical_notes")
    assert scanned("SELECT count(*) AS n FROM tenants") == files("tenants")  # answered from Parquet metadata
    assert scanned("SELECT 1 AS one") == 0


def test_ath007_unload_writes_parquet_and_a_manifest(athena_client, local_athena, s3):
    to = f"{local_athena.staging_dir}unload/t007/"
    sql = (
        "UNLOAD (SELECT tenant_id, name FROM tenants ORDER BY tenant_id) "
        f"TO '{to}' WITH (format = 'PARQUET', compression = 'SNAPPY')"
    )
    execution = wait(athena_client, start(athena_client, local_athena, sql))
    assert execution["Status"]["State"] == "SUCCEEDED"
    manifest = execution["Statistics"]["DataManifestLocation"]
    files = s3_bytes(s3, manifest).decode().split()
    assert files and all(f.startswith(to) and f.endswith(".parquet") for f in files)
    import io

    rows = sum(pq.read_table(io.BytesIO(s3_bytes(s3, f))).num_rows for f in files)
    assert rows == 12
    refused = wait(
        athena_client,
        start(
            athena_client,
            local_athena,
            sql.replace("t007", "t007b").replace("tenant_id, name", "tenant_id, upper(name)"),
        ),
    )
    assert refused["Status"]["State"] == "FAILED"
    assert "Column name not specified at position 2" in refused["Status"]["StateChangeReason"]


def test_ath008_failed_reports_reason_and_athena_error(athena_client, local_athena):
    bad = wait(athena_client, start(athena_client, local_athena, "SELECT nope FROM interactions"))
    assert bad["Status"]["State"] == "FAILED"
    assert "nope" in bad["Status"]["StateChangeReason"]
    assert bad["Status"]["AthenaError"]["ErrorCategory"] == 2  # USER
    injected = wait(
        athena_client,
        start(athena_client, local_athena, "SELECT 1 AS x /* athena-local: fail=HIVE_BAD_DATA */"),
    )
    assert injected["Status"]["StateChangeReason"].startswith("HIVE_BAD_DATA")
    assert injected["Status"]["AthenaError"]["ErrorCategory"] == 1  # SYSTEM


def test_ath009_stop_query_execution_cancels(athena_client, local_athena):
    qid = start(athena_client, local_athena, "SELECT 1 AS x /* athena-local: slow=30 */")
    athena_client.stop_query_execution(QueryExecutionId=qid)
    execution = wait(athena_client, qid, timeout=5)
    assert execution["Status"]["State"] == "CANCELLED"


def test_ath010_throttling_fault_answers_the_aws_error(athena_client, local_athena, admin):
    admin.throttle(times=1, operations=["StartQueryExecution"], code="TooManyRequestsException")
    with pytest.raises(ClientError) as raised:
        start(athena_client, local_athena, "SELECT 1 AS x")
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert start(athena_client, local_athena, "SELECT 1 AS x")  # the rule was used up
    assert admin.stats()["StartQueryExecution:TooManyRequestsException"] == 1


def test_ath011_result_reuse_answers_from_an_earlier_result(athena_client, local_athena):
    sql = "SELECT count(*) AS n FROM interactions WHERE dt = '2026-11-01' /* t011 */"
    reuse = {"ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 5}}
    first = wait(athena_client, start(athena_client, local_athena, sql))
    again = athena_client.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": "ai_product"},
        ResultConfiguration={"OutputLocation": local_athena.staging_dir},
        ResultReuseConfiguration=reuse,
    )["QueryExecutionId"]
    second = wait(athena_client, again)
    assert second["Statistics"]["ResultReuseInformation"]["ReusedPreviousResult"] is True
    assert second["ResultConfiguration"]["OutputLocation"] == first["ResultConfiguration"]["OutputLocation"]
    rows = athena_client.get_query_results(QueryExecutionId=again)["ResultSet"]["Rows"]
    assert rows[0]["Data"][0]["VarCharValue"] == "n" and len(rows) == 2


def test_ath012_work_groups_and_errors(athena_client):
    groups = athena_client.list_work_groups()["WorkGroups"]
    assert [g["Name"] for g in groups] == ["primary"]
    config = athena_client.get_work_group(WorkGroup="primary")["WorkGroup"]["Configuration"]
    assert config["ResultConfiguration"]["OutputLocation"].startswith("s3://")
    with pytest.raises(ClientError, match="not found"):
        athena_client.get_work_group(WorkGroup="nope")
    with pytest.raises(ClientError, match="not found"):
        athena_client.get_query_execution(QueryExecutionId="00000000-0000-0000-0000-000000000000")
