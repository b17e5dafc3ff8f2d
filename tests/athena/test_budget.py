"""Bytes-scanned budgets: estimates from the scoped SQL, refusal before anything runs, a daily ledger."""

from __future__ import annotations

import datetime as dt

import pytest

from queries import Filters, Principal
from queries.budget import BudgetExceeded, Listing, PartitionSizes, estimate_bytes
from queries.cache import ResultCache
from queries.engines.athena import AthenaEngine
from queries.service import QueryService
from tests.athena.conftest import END_DATE

WEEK = Filters(END_DATE - dt.timedelta(days=6), END_DATE)
ANNA, BEN = Principal("anna", "analyst", frozenset({"t01"})), Principal("ben", "analyst", frozenset({"t01"}))
TTLS = {"kpi": 600, "detail": 600, "metadata": 600}
LISTING = Listing(
    {
        "interactions": {"2026-11-01": 100, "2026-11-02": 200, "2026-11-03": 400},
        "clinical_notes": {"2026-11-01": 10, "2026-11-02": 20, "2026-11-03": 40},
        "tenants": {None: 7},
        "clinicians": {None: 3},
    }
)


def service_for(engine, tmp_path) -> QueryService:
    return QueryService(engine=engine, cache=ResultCache(tmp_path / "cache"), ttls=TTLS)


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT count(*) AS n FROM interactions", 700),
        ("SELECT count(*) AS n FROM interactions WHERE dt BETWEEN '2026-11-02' AND '2026-11-03'", 600),
        ("SELECT count(*) AS n FROM interactions WHERE dt >= '2026-11-03' AND status = 'failed'", 400),
        ("SELECT count(*) AS n FROM interactions WHERE '2026-11-02' > dt", 100),
        ("SELECT count(*) AS n FROM interactions WHERE dt IN ('2026-11-01', '2026-11-03')", 500),
        (
            "SELECT count(*) AS n FROM interactions WHERE dt = '2026-11-01' OR channel = 'web'",
            700,
        ),  # cannot narrow
        (
            "SELECT count(*) AS n FROM interactions WHERE CAST(dt AS date) = DATE '2026-11-01'",
            700,
        ),  # errs high
        (
            "SELECT count(*) AS n FROM (SELECT * FROM interactions WHERE dt = '2026-11-02') AS i "
            "JOIN (SELECT * FROM clinical_notes WHERE dt = '2026-11-02') AS n ON n.interaction_id = i.interaction_id "
            "JOIN tenants AS t ON t.tenant_id = i.tenant_id",
            227,
        ),
        ("SELECT 1 AS one", 0),
    ],
)
def test_ath050_estimate_reads_the_partitions_the_sql_touches(sql, expected):
    assert estimate_bytes(sql, LISTING) == expected


def test_ath051_estimate_equals_what_athena_reports_for_a_scoped_query(
    athena_settings, athena_data, tmp_path
):
    engine = AthenaEngine(athena_settings())
    service = service_for(engine, tmp_path)
    records = []
    service.listeners.append(records.append)
    for name in ("overview_kpis", "overview_daily", "tenant_summary"):
        compiled = service.compile(name, ANNA, WEEK)
        service.run(name, ANNA, filters=WEEK)
        assert records[-1].bytes_scanned == engine.budget.estimate(compiled.sql), name


def test_ath052_over_the_per_query_budget_is_refused_before_anything_runs(athena_settings, admin, tmp_path):
    engine = AthenaEngine(athena_settings(athena_bytes_budget_per_query=20_000))
    service = service_for(engine, tmp_path)
    with pytest.raises(BudgetExceeded, match=r"would scan about .* over the limit of 20.0 kB per query"):
        service.run("overview_daily", ANNA, filters=WEEK)
    assert admin.stats().get("StartQueryExecution", 0) == 0
    one_day = Filters(END_DATE, END_DATE)
    assert len(service.run("overview_daily", ANNA, filters=one_day)) == 1


def test_ath053_the_daily_budget_is_per_user(athena_settings, admin, tmp_path):
    engine = AthenaEngine(athena_settings())
    week_bytes = engine.budget.estimate(
        service_for(engine, tmp_path).compile("overview_daily", ANNA, WEEK).sql
    )
    engine = AthenaEngine(athena_settings(athena_bytes_budget_per_user_day=int(week_bytes * 1.5)))
    service = service_for(engine, tmp_path / "limited")
    service.run("overview_daily", ANNA, filters=WEEK)
    assert engine.budget.spent_today("anna") == week_bytes
    other_week = Filters(WEEK.start - dt.timedelta(days=7), WEEK.end - dt.timedelta(days=7))
    with pytest.raises(BudgetExceeded, match=r"you have scanned .* of your .* daily limit today"):
        service.run("overview_daily", ANNA, filters=other_week)
    service.run("overview_daily", BEN, filters=other_week)  # another user's day is his own
    service.run("overview_daily", ANNA, filters=WEEK)  # a cache hit costs nothing and is allowed
    assert admin.stats()["StartQueryExecution"] == 2


def test_ath054_partition_sizes_list_s3_like_a_folder(local_athena, athena_data, s3):
    prefix = "warehouse-t054"
    for path in list(athena_data.rglob("*.parquet"))[:40]:
        key = f"{prefix}/{path.relative_to(athena_data).as_posix()}"
        s3.put_object(Bucket="athena-local-results", Key=key, Body=path.read_bytes())
    from_s3 = PartitionSizes(f"s3://athena-local-results/{prefix}", s3_client=lambda: s3).listing()
    keys = {p.relative_to(athena_data) for p in list(athena_data.rglob("*.parquet"))[:40]}
    expected = sum((athena_data / k).stat().st_size for k in keys)
    assert sum(b for parts in from_s3.sizes.values() for b in parts.values()) == expected
    assert from_s3.latest_day() is not None


def test_ath055_an_unreadable_location_degrades_to_no_estimate(athena_settings):
    engine = AthenaEngine(athena_settings(athena_data_location="s3://no-such-bucket-t055/warehouse"))
    assert engine.budget.sizes.listing() is None and engine.budget.estimate("SELECT 1 AS x") is None
    assert engine.data_version() == f"athena:AwsDataCatalog.ai_product:{engine.latest_day().isoformat()}"
