"""The SQL compiler: parameter binding, Athena -> DuckDB traps, and row scoping (on real DuckDB)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from queries import Filters, Principal, QueryRejected
from queries.binding import bind
from queries.dialect import athena_to_duckdb, parse, to_dialect
from queries.guard import scope_tables


def duck(sql: str):
    return duckdb.sql(athena_to_duckdb(sql)).fetchall()


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT 7 / 2", 3),  # Trino integer division truncates
        ("SELECT -7 / 2", -3),  # ... towards zero
        ("SELECT 7.0 / 2", 3.5),
        ("SELECT CAST(7 AS double) / 2", 3.5),
        ("SELECT date_add('day', 1, DATE '2024-02-28')", dt.date(2024, 2, 29)),  # stays a DATE
        ("SELECT date_add('month', 1, DATE '2024-01-31')", dt.date(2024, 2, 29)),
        ("SELECT date_diff('day', DATE '2024-01-01', DATE '2024-03-01')", 60),
        ("SELECT day_of_week(DATE '2024-01-07')", 7),  # ISO: Sunday is 7
        ("SELECT count_if(x > 1) FROM (VALUES 1, 2, 3) AS t(x)", 2),
        ("SELECT approx_percentile(x, 0.5) FROM (VALUES 1, 2, 3, 4, 5) AS t(x)", 3),
    ],
)
def test_cmp001_athena_semantics_on_duckdb(sql, expected):
    assert duck(sql)[0][0] == expected


def test_cmp002_bind_typed_literals_not_text():
    tree = parse("SELECT * FROM tenants WHERE tenant_id = :t AND go_live_date >= :d AND plan IN (:plans)")
    bound = bind(tree, {"t": "x' OR '1'='1", "d": dt.date(2024, 1, 1), "plans": ["pro", "basic"]})
    sql = bound.sql("athena")
    assert "'x'' OR ''1''=''1'" in sql  # the quote is escaped inside one string literal
    assert "CAST('2024-01-01' AS DATE)" in sql
    assert "IN ('pro', 'basic')" in sql


def test_cmp003_bind_refuses_missing_and_positional():
    with pytest.raises(QueryRejected, match="missing parameter :t"):
        bind(parse("SELECT :t"), {})
    with pytest.raises(QueryRejected, match="positional"):
        bind(parse("SELECT ?"), {})


def test_cmp004_one_statement_only():
    with pytest.raises(QueryRejected, match="exactly one"):
        parse("SELECT 1; SELECT 2")
    with pytest.raises(QueryRejected, match="syntax error"):
        parse("SELEC 1")


VIEWER = Principal("v", "viewer", frozenset({"t01"}))
JAN = Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 31), channels=("web",))


def test_cmp005_scope_wraps_every_base_table_and_keeps_aliases():
    tree = parse(
        "SELECT i.tenant_id, n.note_id FROM interactions i "
        "LEFT JOIN clinical_notes n ON i.interaction_id = n.interaction_id"
    )
    sql = scope_tables(tree, VIEWER, JAN).sql("athena")
    assert sql.count("tenant_id IN ('t01')") == 3
    assert ") AS i LEFT JOIN (" in sql and ") AS n ON" in sql
    assert "channel IN ('web')" in sql
    # notes have no channel column: narrowed through the (tenant-scoped) interactions that have one
    assert ("interaction_id IN (SELECT interaction_id FROM interactions "
            "WHERE tenant_id IN ('t01') AND channel IN ('web'))") in sql


def test_cmp006_cte_named_like_a_table_is_still_scoped_inside():
    tree = parse("WITH interactions AS (SELECT * FROM interactions) SELECT count(*) FROM interactions")
    sql = scope_tables(tree, VIEWER, None).sql("athena")
    assert sql.count("tenant_id IN ('t01')") == 1


def test_cmp007_tenant_filter_narrows_but_never_widens():
    widen = Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 2), tenants=("t02",))
    sql = scope_tables(parse("SELECT * FROM tenants"), VIEWER, widen).sql("athena")
    assert "FALSE" in sql.upper() and "t02" not in sql
    admin = Principal("a", "admin", None)
    assert "tenant_id" not in scope_tables(parse("SELECT * FROM tenants"), admin, None).sql("athena")
    narrowed = scope_tables(parse("SELECT * FROM tenants"), admin, widen).sql("athena")
    assert "tenant_id IN ('t02')" in narrowed


def test_cmp008_to_dialect_reports_unknown_columns():
    with pytest.raises(QueryRejected):
        to_dialect(parse("SELECT no_such_column FROM interactions"), "duckdb")


def test_cmp009_filters_periods():
    f = Filters(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    prev = f.previous_period()
    assert (prev.start, prev.end) == (dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    assert f.same_period_last_year().start == dt.date(2025, 3, 1)
    with pytest.raises(ValueError):
        Filters(dt.date(2026, 3, 2), dt.date(2026, 3, 1))


def test_cmp010_counts_and_integer_sums_are_bigint_not_hugeint():
    rel = duckdb.sql(athena_to_duckdb("SELECT count_if(x > 1) AS c, sum(x) AS s FROM (VALUES 1, 2) AS t(x)"))
    assert [str(t) for t in rel.types] == ["BIGINT", "BIGINT"]


def test_cmp011_window_sums_stay_bigint_and_valid():
    sql = "SELECT sum(x) OVER (ORDER BY x) AS s, count_if(x > 1) OVER () AS c FROM (VALUES 1, 2, 3) AS t(x)"
    assert duck(sql) == [(1, 2), (3, 2), (6, 2)]
