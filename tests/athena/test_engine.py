"""AthenaEngine against the local service: results and statistics, retries, timeout, cancel, errors."""

from __future__ import annotations

import threading
import time

import pytest

from queries.engines.athena import AthenaEngine, _fetch_plan
from queries.errors import QueryCancelled, QueryError

RECENT = "SELECT count(*) AS n FROM interactions WHERE dt >= '2026-11-15'"


@pytest.fixture(scope="module")
def recent_n(duck_engine) -> int:
    return int(duck_engine.execute(RECENT).frame.at[0, "n"])


def state_of(athena_client, query_id: str) -> str:
    return athena_client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]["State"]


def test_ath020_result_carries_id_state_and_statistics(athena_engine, athena_data, recent_n):
    started = []
    result = athena_engine.execute(RECENT, label="recent", on_start=started.append)
    assert result.frame["n"].tolist() == [recent_n]
    assert started == [result.query_id]
    assert result.state == "SUCCEEDED"
    expected = sum(
        p.stat().st_size
        for p in (athena_data / "interactions").rglob("*.parquet")
        if p.parent.name >= "dt=2026-11-15"
    )
    assert result.bytes_scanned == expected
    assert result.engine_ms is not None and result.queue_ms is not None


def test_ath021_throttling_is_retried_then_succeeds(athena_engine, admin, recent_n):
    admin.throttle(times=2, operations=["StartQueryExecution"])
    admin.throttle(times=1, operations=["GetQueryExecution"], code="TooManyRequestsException")
    assert athena_engine.execute(RECENT).frame["n"].tolist() == [recent_n]
    calls = admin.stats()
    assert calls["StartQueryExecution"] == 3 and calls["StartQueryExecution:ThrottlingException"] == 2
    assert calls["GetQueryExecution:TooManyRequestsException"] == 1


def test_ath022_throttling_that_persists_gives_a_plain_message(athena_settings, admin):
    engine = AthenaEngine(athena_settings(athena_max_retries=2))
    admin.throttle(times=None, operations=["StartQueryExecution"])
    with pytest.raises(
        QueryError, match=r"throttling requests \(ThrottlingException; gave up after 3 attempts\)"
    ):
        engine.execute(RECENT, label="recent")
    assert admin.stats()["StartQueryExecution"] == 3


def test_ath023_failed_query_shows_athena_reason_and_query_id(athena_engine):
    with pytest.raises(QueryError) as raised:
        athena_engine.execute("SELECT 1 AS x /* athena-local: fail=HIVE_BAD_DATA */", label="kpis")
    err = raised.value
    assert not isinstance(err, QueryCancelled)
    assert err.query_id and err.name == "kpis"
    assert str(err).startswith("kpis: Athena could not run the query: HIVE_BAD_DATA")
    assert f"(query id {err.query_id})" in str(err)


def test_ath024_timeout_stops_the_query_in_athena(athena_settings, athena_client):
    engine = AthenaEngine(athena_settings(athena_query_timeout=0.3))
    with pytest.raises(
        QueryCancelled, match=r"longer than the 0.3 s limit and was stopped in Athena"
    ) as raised:
        engine.execute("SELECT 1 AS x /* athena-local: slow=30 */")
    assert state_of(athena_client, raised.value.query_id) == "CANCELLED"


def test_ath025_cancel_calls_stop_query_execution(athena_engine, athena_client, admin):
    ids: list[str] = []

    def cancel_soon(query_id: str) -> None:
        ids.append(query_id)
        threading.Timer(0.2, athena_engine.cancel, args=(query_id,)).start()

    began = time.monotonic()
    with pytest.raises(QueryCancelled, match="the query was cancelled"):
        athena_engine.execute("SELECT 1 AS x /* athena-local: slow=30 */", on_start=cancel_soon)
    assert time.monotonic() - began < 10
    assert state_of(athena_client, ids[0]) == "CANCELLED"
    assert admin.stats()["StopQueryExecution"] == 1


@pytest.mark.parametrize("cursor, unload", [("arrow", False), ("arrow", True), ("pandas", False)])
def test_ath026_s3_read_error_gives_a_clear_message(athena_settings, admin, cursor, unload):
    engine = AthenaEngine(athena_settings(athena_cursor=cursor, athena_unload=unload, athena_max_retries=1))
    engine.execute("SELECT 1 AS warm_up")  # the connection exists before S3 turns bad
    admin.s3_slowdown(times=None)
    with pytest.raises(
        QueryError, match=r"the query succeeded but its result could not be read from S3"
    ) as raised:
        engine.execute("SELECT tenant_id AS t FROM tenants", label="tenants")
    assert raised.value.query_id and admin.stats()["S3:SlowDown"] >= 2


def test_ath027_a_transient_s3_slowdown_is_retried(athena_settings, admin):
    engine = AthenaEngine(athena_settings(athena_cursor="arrow", athena_max_retries=3))
    admin.s3_slowdown(times=1)
    assert len(engine.execute("SELECT tenant_id AS t FROM tenants").frame) == 12
    assert admin.stats()["S3:SlowDown"] == 1


def test_ath028_polling_backs_off(athena_settings, admin):
    engine = AthenaEngine(athena_settings(athena_poll_interval=0.01, athena_poll_max_interval=0.2))
    engine.execute("SELECT 1 AS x /* athena-local: slow=1.5 */")
    # A fixed 10 ms interval would poll about 150 times in 1.5 s; the backoff about 20 times.
    assert admin.stats()["GetQueryExecution"] < 30


@pytest.mark.parametrize("cursor", ["arrow", "pandas"])
def test_ath029_unload_fetches_only_what_it_can_return_unchanged(athena_settings, cursor):
    engine = AthenaEngine(athena_settings(athena_cursor=cursor, athena_unload=True))
    ordered = "SELECT tenant_id, name AS tenant FROM tenants ORDER BY name DESC"
    result = engine.execute(ordered)
    assert result.frame["tenant"].tolist() == sorted(result.frame["tenant"], reverse=True)
    assert _fetch_plan(ordered, cursor, True).unload
    empty = engine.execute("SELECT tenant_id, plan FROM tenants WHERE plan = 'none'")
    assert list(empty.frame.columns) == ["tenant_id", "plan"] and empty.frame.empty
    for sql in (
        "SELECT count(*) FROM tenants",
        "SELECT * FROM tenants ORDER BY name",
        "SELECT name FROM tenants ORDER BY upper(region)",
        "SELECT 1 AS a, 2 AS a",
    ):
        assert not _fetch_plan(sql, cursor, True).unload, sql
    comments = "/* header */ /* cache: kpi */ SELECT name AS n FROM tenants ORDER BY 1"
    assert _fetch_plan(comments, cursor, True).sql.startswith("SELECT")


def test_ath030_result_reuse_is_behind_settings(athena_settings):
    engine = AthenaEngine(athena_settings(athena_result_reuse=True, athena_result_reuse_minutes=5))
    sql = "SELECT count(*) AS n FROM interactions WHERE dt = '2026-11-02' /* t030 */"
    first, second = engine.execute(sql), engine.execute(sql)
    assert first.bytes_scanned > 0 and second.bytes_scanned == 0
    assert second.frame.equals(first.frame)


def test_ath031_latest_day_and_data_version_come_from_the_listing(athena_engine, athena_settings):
    assert athena_engine.latest_day().isoformat() == "2026-11-22"
    assert athena_engine.data_version() == AthenaEngine(athena_settings()).data_version()
    unlisted = AthenaEngine(athena_settings(athena_data_location=None))
    assert unlisted.data_version().startswith("athena:AwsDataCatalog.ai_product:")
