"""Ad hoc SQL through QueryService.run_sql: scoping, row cap, masking, history, cache, file wall."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from queries import Filters, QueryError, QueryRejected
from queries.principal import Principal
from settings import get_settings
from tests.security.helpers import ADMIN, ANALYST, VIEWER, same_rows

PER_TENANT = "SELECT tenant_id, count(*) AS n FROM interactions GROUP BY tenant_id"


def test_sec001_run_sql_returns_only_the_users_tenants(service, copies):
    for principal in (VIEWER, ANALYST):
        got = service.run_sql(PER_TENANT, principal)
        assert set(got["tenant_id"]) == set(principal.tenants)
        same_rows(got, copies(principal).run(PER_TENANT))
    assert service.run_sql(PER_TENANT, ADMIN)["tenant_id"].nunique() == 12


def test_sec002_a_user_without_tenants_sees_no_rows(service):
    nobody = Principal("nobody", "viewer", frozenset())
    assert service.run_sql("SELECT count(*) AS n FROM interactions", nobody).at[0, "n"] == 0
    assert service.run_sql("SELECT * FROM tenants", nobody).empty


def test_sec003_filters_narrow_and_bind_the_dates(service, copies):
    filters = Filters(dt.date(2026, 11, 1), dt.date(2026, 11, 7), channels=("web",))
    sql = ("SELECT count(*) AS n, min(dt) AS first_day, max(dt) AS last_day, "
           "count_if(CAST(dt AS date) BETWEEN :start_date AND :end_date) AS in_range FROM interactions")
    got = service.run_sql(sql, ANALYST, filters=filters)
    want = copies(ANALYST).run(
        "SELECT count(*) AS n FROM interactions WHERE channel = 'web' AND dt BETWEEN '2026-11-01' AND '2026-11-07'")
    assert got.at[0, "n"] == want.at[0, "n"] == got.at[0, "in_range"] > 0
    assert (got.at[0, "first_day"], got.at[0, "last_day"]) == ("2026-11-01", "2026-11-07")


def test_sec004_a_tenant_filter_cannot_widen_the_principals_tenants(service):
    filters = Filters(dt.date(2025, 1, 1), dt.date(2026, 12, 31), tenants=("t02", "t03"))
    got = service.run_sql(PER_TENANT, VIEWER, filters=filters)
    assert got.empty  # t01 & {t02, t03} is nothing
    assert set(service.run_sql(PER_TENANT, ADMIN, filters=filters)["tenant_id"]) == {"t02", "t03"}


def test_sec005_rows_are_capped_and_a_smaller_limit_is_kept(service):
    service.row_cap = 25
    frame = service.run_sql("SELECT interaction_id FROM interactions", ANALYST)
    assert len(frame) == 25 and frame.attrs["row_cap"] == 25
    assert len(service.run_sql("SELECT interaction_id FROM interactions LIMIT 7", ANALYST)) == 7
    assert len(service.run_sql("SELECT interaction_id FROM interactions LIMIT 500", ANALYST)) == 25
    union = "SELECT tenant_id FROM clinicians UNION ALL SELECT tenant_id FROM interactions"
    assert len(service.run_sql(union, ANALYST)) == 25


def test_sec006_patient_id_is_pseudonymised_for_viewers_only(service, copies):
    sql = "SELECT patient_id FROM interactions ORDER BY interaction_id LIMIT 5"
    masked = service.run_sql(sql, VIEWER)["patient_id"].tolist()
    plain = service.run_sql(sql, Principal("a", "analyst", frozenset({"t01"})))["patient_id"].tolist()
    key = get_settings().masking_key
    expected = ["anon_" + hashlib.sha256(f"{key}:{p}".encode()).hexdigest()[:16] for p in plain]
    assert masked == expected
    assert not set(masked) & set(plain)


def test_sec007_pseudonyms_still_join_and_count_like_the_real_ids(service):
    sql = ("SELECT count(DISTINCT i.patient_id) AS patients, count(*) AS pairs FROM interactions i "
           "JOIN clinical_notes n ON n.patient_id = i.patient_id AND n.interaction_id = i.interaction_id")
    analyst_t01 = Principal("a", "analyst", frozenset({"t01"}))
    assert service.run_sql(sql, VIEWER).equals(service.run_sql(sql, analyst_t01))


def test_sec008_masking_also_covers_named_sql(service):
    compiled = service.compile("overview_kpis", VIEWER)
    assert "SHA256" in compiled.sql.upper()  # the scoped subquery projects the pseudonym
    assert "SHA256" not in service.compile("overview_kpis", ANALYST).sql.upper()


def test_sec009_tenants_never_share_a_cache_entry(service):
    """Scoping happens before the cache key: the same SQL for another tenant is a miss, for the
    same tenants (another user) a hit."""
    records = []
    service.listeners.append(records.append)
    t01, t02 = Principal("a", "analyst", frozenset({"t01"})), Principal("b", "analyst", frozenset({"t02"}))
    first, second = service.run_sql(PER_TENANT, t01), service.run_sql(PER_TENANT, t02)
    again = service.run_sql(PER_TENANT, Principal("c", "analyst", frozenset({"t01"})))
    assert set(first["tenant_id"]) == {"t01"} and set(second["tenant_id"]) == {"t02"} and again.equals(first)
    assert [r.cache_hit for r in records] == [False, False, True]
    assert records[0].sql_hash != records[1].sql_hash
    named_keys = {service._key(service.compile("overview_kpis", p)) for p in (t01, t02, VIEWER, ADMIN)}
    assert len(named_keys) == 4


def test_sec010_history_records_ad_hoc_queries(service):
    records = []
    service.listeners.append(records.append)
    service.run_sql("SELECT count(*) AS n FROM tenants", VIEWER, source="explore")
    with pytest.raises(QueryRejected):
        service.run_sql("DROP TABLE tenants", VIEWER)
    ok, refused = records
    assert (ok.name, ok.source, ok.user_id, ok.tenants, ok.status, ok.rows) == ("sql", "explore", "viewer", "t01", "ok", 1)
    assert ok.sql_hash and "t01" in ok.sql
    assert (refused.status, refused.source, refused.sql_hash) == ("error", "sql", "")


def test_sec011_duckdb_file_wall_stands_behind_the_guard(service, demo_data):
    """The guard refuses file access; behind it DuckDB itself allows only the dataset directory."""
    with pytest.raises(QueryRejected):
        service.run_sql("SELECT * FROM read_csv('/etc/passwd')", ADMIN)
    with pytest.raises(QueryError, match="(?i)permission|not allowed|disabled"):
        service.engine.execute("SELECT * FROM read_csv('/etc/passwd')")
    # Inside the dataset directory the engine could read every tenant's files: which is why the
    # guard must refuse paths and table functions outright rather than rely on this wall.
    inside = service.engine.execute(f"SELECT count(*) AS n FROM read_parquet('{demo_data}/tenants/*.parquet')")
    assert inside.frame.at[0, "n"] == 12
    with pytest.raises(QueryRejected):
        service.run_sql(f"SELECT count(*) AS n FROM read_parquet('{demo_data}/tenants/*.parquet')", ADMIN)


def test_sec012_the_final_sql_is_checked_again_after_translation():
    from queries.adhoc import verify_scoped

    verify_scoped("SELECT * FROM (SELECT * FROM tenants WHERE tenant_id IN ('t01')) AS t", "duckdb", VIEWER, None)
    for unscoped in ("SELECT * FROM tenants", "SELECT * FROM (SELECT * FROM tenants WHERE tenant_id IN ('t02')) t",
                     "SELECT * FROM (SELECT * FROM tenants WHERE tenant_id IN ('t01') OR 1 = 1) AS t",
                     "SELECT * FROM main.tenants", "SELECT 1; SELECT 2"):
        with pytest.raises(QueryRejected):
            verify_scoped(unscoped, "duckdb", VIEWER, None)


@pytest.mark.parametrize("sql", [
    PER_TENANT,
    "WITH x AS (SELECT * FROM clinicians) SELECT x.tenant_id, t.plan FROM x LEFT JOIN tenants t ON t.tenant_id = x.tenant_id",
    "SELECT patient_id, rank() OVER (PARTITION BY tenant_id ORDER BY started_at) AS r FROM interactions",
    "SELECT tenant_id FROM clinicians UNION SELECT tenant_id FROM clinical_notes",
])
def test_sec013_athena_sql_is_scoped_and_verified_too(sql):
    from queries.adhoc import compile_sql

    filters = Filters(dt.date(2026, 11, 1), dt.date(2026, 11, 7), specialties=("cardiology",))
    final = compile_sql(sql, VIEWER, filters, "athena", 100)
    assert "tenant_id IN ('t01')" in final and "LIMIT 100" in final
    assert "tenant_id IN ('t01', 't02')" in compile_sql(sql, ANALYST, None, "athena", 100)
