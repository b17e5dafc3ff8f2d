"""A corpus of attempts to read other tenants' rows, files or settings through ad hoc SQL.

Each attempt, run as a viewer of t01, is either refused before it runs, or harmless: it returns
exactly what the same SQL returns over copies of the tables that only hold t01's rows.
"""

from __future__ import annotations

import pytest

from queries import QueryError, QueryRejected
from tests.security.helpers import VIEWER, same_rows

REFUSED = "refused"
HARMLESS = "harmless"

CORPUS = [
    # Predicates that try to undo the scope: they only ever see already-scoped rows.
    ("or_1_1", HARMLESS, "SELECT tenant_id, count(*) AS n FROM interactions WHERE tenant_id = 't02' OR 1=1 GROUP BY 1"),
    ("or_true", HARMLESS, "SELECT count(*) AS n FROM clinicians WHERE true OR tenant_id <> 't01'"),
    ("tautology_in", HARMLESS, "SELECT DISTINCT tenant_id FROM tenants WHERE tenant_id IN ('t01','t02','t03') OR 'a'='a'"),
    ("not_tenant", HARMLESS, "SELECT count(*) AS n FROM interactions WHERE tenant_id <> 't01'"),
    ("having_or", HARMLESS, "SELECT tenant_id FROM clinicians GROUP BY tenant_id HAVING count(*) > 0 OR 1=1"),
    ("left_join_other", HARMLESS, "SELECT t.tenant_id, count(c.clinician_id) AS n FROM tenants t "
                                  "LEFT JOIN clinicians c ON c.tenant_id = t.tenant_id OR 1=1 GROUP BY 1"),
    ("full_join", HARMLESS, "SELECT count(*) AS n FROM tenants t FULL JOIN clinicians c ON c.tenant_id = t.tenant_id"),
    ("cross_join", HARMLESS, "SELECT count(*) AS n FROM tenants, clinicians"),
    ("scalar_subquery", HARMLESS, "SELECT (SELECT count(*) FROM interactions) AS n"),
    ("exists", HARMLESS, "SELECT count(*) AS n FROM tenants t WHERE EXISTS (SELECT 1 FROM clinicians c "
                         "WHERE c.tenant_id <> t.tenant_id)"),
    ("union_other", HARMLESS, "SELECT tenant_id FROM tenants UNION SELECT 't02' AS tenant_id"),
    ("window_over_all", HARMLESS, "SELECT DISTINCT count(*) OVER () AS n FROM clinical_notes"),
    # Comments: stripped, never able to hide or cut the scope.
    ("line_comment", HARMLESS, "SELECT count(*) AS n FROM interactions -- WHERE tenant_id = 't01'"),
    ("block_comment", HARMLESS, "SELECT count(*) AS n FROM /* tenants */ interactions"),
    ("comment_close", HARMLESS, "SELECT count(*) AS n FROM interactions /* */ WHERE 1=1 -- */ OR 1=1"),
    ("comment_semicolon", REFUSED, "SELECT 1; -- \nSELECT * FROM interactions"),
    # CTEs named like tables, quoted and qualified names.
    ("cte_shadow", REFUSED, "WITH interactions AS (SELECT * FROM interactions) SELECT count(*) AS n FROM interactions"),
    ("cte_shadow_quoted", REFUSED, 'WITH "Tenants" AS (SELECT 1 AS x) SELECT * FROM tenants'),
    ("cte_harmless", HARMLESS, "WITH x AS (SELECT * FROM interactions) SELECT count(*) AS n FROM x"),
    ("quoted_table", HARMLESS, 'SELECT count(*) AS n FROM "interactions"'),
    ("upper_quoted", HARMLESS, 'SELECT count(*) AS n FROM "INTERACTIONS"'),
    ("alias_as_table", HARMLESS, "SELECT count(*) AS n FROM tenants AS interactions"),
    ("schema_main", REFUSED, "SELECT count(*) AS n FROM main.interactions"),
    ("catalog_memory", REFUSED, "SELECT count(*) AS n FROM memory.main.interactions"),
    ("athena_db", REFUSED, "SELECT count(*) AS n FROM ai_product.interactions"),
    ("aws_catalog", REFUSED, 'SELECT count(*) AS n FROM "AwsDataCatalog"."ai_product"."interactions"'),
    ("qualified_column", REFUSED, "SELECT main.interactions.tenant_id FROM interactions"),
    # System tables and metadata.
    ("information_schema", REFUSED, "SELECT * FROM information_schema.tables"),
    ("information_schema_cols", REFUSED, "SELECT * FROM information_schema.columns"),
    ("duckdb_tables", REFUSED, "SELECT * FROM duckdb_tables()"),
    ("duckdb_settings", REFUSED, "SELECT * FROM duckdb_settings()"),
    ("pg_catalog", REFUSED, "SELECT * FROM pg_catalog.pg_tables"),
    ("system_runtime", REFUSED, "SELECT * FROM system.runtime.queries"),
    ("sqlite_master", REFUSED, "SELECT * FROM sqlite_master"),
    ("unknown_table", REFUSED, "SELECT * FROM users"),
    ("current_setting", REFUSED, "SELECT current_setting('allowed_directories') AS s"),
    ("getenv", REFUSED, "SELECT getenv('HOME') AS h"),
    ("current_user", REFUSED, "SELECT current_user AS u"),
    ("version", REFUSED, "SELECT version() AS v"),
    # Table functions and files.
    ("read_parquet", REFUSED, "SELECT * FROM read_parquet('interactions/*/*.parquet')"),
    ("read_csv", REFUSED, "SELECT * FROM read_csv('/etc/passwd')"),
    ("read_csv_auto", REFUSED, "SELECT * FROM read_csv_auto('/etc/passwd')"),
    ("read_text", REFUSED, "SELECT * FROM read_text('/etc/hostname')"),
    ("read_json", REFUSED, "SELECT * FROM read_json_auto('/etc/x.json')"),
    ("parquet_scan", REFUSED, "SELECT * FROM parquet_scan('tenants/*.parquet')"),
    ("glob", REFUSED, "SELECT * FROM glob('/*')"),
    ("file_literal", REFUSED, "SELECT * FROM 'tenants/part-0.parquet'"),
    ("file_identifier", REFUSED, 'SELECT * FROM "/etc/passwd"'),
    ("query_table", REFUSED, "SELECT * FROM query_table('interactions')"),
    ("query_fn", REFUSED, "SELECT * FROM query('SELECT * FROM interactions')"),
    ("table_fn_in_subquery", REFUSED, "SELECT (SELECT count(*) FROM read_parquet('x')) AS n"),
    ("table_fn_in_join", REFUSED, "SELECT * FROM tenants t JOIN read_csv('/etc/passwd') p ON true"),
    ("lateral_fn", REFUSED, "SELECT * FROM tenants, LATERAL (SELECT * FROM read_text('/etc/hostname'))"),
    ("generate_series", REFUSED, "SELECT * FROM generate_series(1, 3)"),
    ("table_sequence", REFUSED, "SELECT * FROM TABLE(sequence(1, 3))"),
    # More than one statement, writes, settings, extensions.
    ("two_statements", REFUSED, "SELECT 1; SELECT * FROM interactions"),
    ("trailing_drop", REFUSED, "SELECT 1; DROP VIEW interactions"),
    ("set", REFUSED, "SET enable_external_access = true"),
    ("set_local", REFUSED, "SET lock_configuration = false"),
    ("reset", REFUSED, "RESET allowed_directories"),
    ("attach", REFUSED, "ATTACH '/tmp/other.db' AS other"),
    ("detach", REFUSED, "DETACH other"),
    ("copy_to", REFUSED, "COPY (SELECT * FROM interactions) TO '/tmp/x.csv'"),
    ("copy_from", REFUSED, "COPY interactions FROM '/tmp/x.csv'"),
    ("pragma", REFUSED, "PRAGMA table_info('interactions')"),
    ("pragma_fn", REFUSED, "SELECT * FROM pragma_table_info('interactions')"),
    ("install", REFUSED, "INSTALL httpfs"),
    ("load", REFUSED, "LOAD httpfs"),
    ("create_table_as", REFUSED, "CREATE TABLE t AS SELECT * FROM interactions"),
    ("create_macro", REFUSED, "CREATE MACRO m() AS TABLE SELECT * FROM interactions"),
    ("select_into", REFUSED, "SELECT * INTO stolen FROM interactions"),
    ("insert", REFUSED, "INSERT INTO tenants VALUES ('x', 'x', 'x', 'x', DATE '2026-01-01')"),
    ("delete", REFUSED, "DELETE FROM tenants"),
    ("call", REFUSED, "CALL pragma_version()"),
    ("export", REFUSED, "EXPORT DATABASE '/tmp/db'"),
    ("explain", REFUSED, "EXPLAIN SELECT * FROM interactions"),
    ("describe", REFUSED, "DESCRIBE interactions"),
    ("show", REFUSED, "SHOW TABLES"),
    ("use", REFUSED, "USE other"),
    ("begin", REFUSED, "BEGIN TRANSACTION"),
    ("recursive", REFUSED, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT * FROM r"),
    ("parameter", REFUSED, "SELECT * FROM tenants WHERE tenant_id = ?"),
    ("dollar_parameter", REFUSED, "SELECT * FROM tenants WHERE tenant_id = $1"),
    ("session_variable", REFUSED, "SELECT getvariable('x') AS v"),
    ("nextval", REFUSED, "SELECT nextval('s') AS v"),
    ("empty", REFUSED, "   "),
    ("only_comment", REFUSED, "-- nothing"),
    # Unicode tricks: look-alike names are unknown tables, invisible characters are refused.
    ("fullwidth", REFUSED, "SELECT * FROM ｉｎｔｅｒａｃｔｉｏｎｓ"),
    ("cyrillic_i", REFUSED, "SELECT * FROM \u0456nteractions"),
    ("zero_width", REFUSED, "SELECT * FROM inter\u200bactions"),
    ("rtl_override", REFUSED, "SELECT 1 AS x /* \u202e */"),
    ("nul_byte", REFUSED, "SELECT 1 AS x\x00; SELECT * FROM interactions"),
    ("bom", REFUSED, "\ufeffSELECT * FROM interactions"),
    ("unicode_literal", HARMLESS, "SELECT count(*) AS n FROM tenants WHERE name <> 'ｔ０２'"),
    ("dotless_i_upper", REFUSED, 'SELECT * FROM "İNTERACTIONS"'),
    # String escapes that try to break out of a literal.
    ("quote_escape", HARMLESS, "SELECT count(*) AS n FROM tenants WHERE name = 'x'' OR ''1''=''1'"),
    ("backslash_quote", HARMLESS, "SELECT count(*) AS n FROM tenants WHERE name = '\\' OR 1=1 --'"),
    ("dollar_quote", REFUSED, "SELECT $$x$$ AS v; SELECT * FROM interactions"),
]


@pytest.fixture(scope="module")
def shared_service(demo_data, tmp_path_factory):
    """One query service for the whole corpus (each attempt is a different SQL: no cache sharing)."""
    from queries.service import build_service
    from settings import Settings

    return build_service(Settings(data_dir=demo_data, cache_dir=tmp_path_factory.mktemp("corpus-cache")))


def test_sec020_the_corpus_has_at_least_forty_distinct_attempts():
    codes = [code for code, _, _ in CORPUS]
    assert len(codes) == len(set(codes)) >= 40


@pytest.mark.parametrize(("code", "expect", "sql"), CORPUS, ids=[c for c, _, _ in CORPUS])
def test_sec021_bypass_attempt_is_refused_or_harmless(shared_service, copies, code, expect, sql):
    try:
        got = shared_service.run_sql(sql, VIEWER)
    except QueryRejected as err:
        assert expect == REFUSED, f"{code} was refused but should run harmlessly: {err}"
        assert "Traceback" not in err.message and err.message
        return
    except QueryError as err:
        # Passed the guard but the engine would not run it: harmless, yet the guard should have said no.
        pytest.fail(f"{code} reached the engine: {err}")
    assert expect == HARMLESS, f"{code} ran: {got.head()}"
    same_rows(got, copies(VIEWER).run(sql))
