"""Helpers of the security suite: principals, physically filtered copies of the tables, frame equality."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd

from queries import Principal
from queries.dialect import parse, to_dialect
from queries.frames import normalise
from queries.guard import masked_columns, pseudonym
from queries.tables import TABLES
from tests.conftest import ROOT

VIEWER = Principal("viewer", "viewer", frozenset({"t01"}))
ANALYST = Principal("analyst", "analyst", frozenset({"t01", "t02"}))
ADMIN = Principal("admin", "admin", None)


class FilteredCopies:
    """The four tables copied with only the given tenants' rows (and a viewer's masking), in a
    DuckDB of their own: what an ad hoc query must return when run unscoped over them."""

    def __init__(self, data_dir: Path, principal: Principal) -> None:
        self.con = duckdb.connect(":memory:")
        allowed = sorted(principal.tenants or ())
        tenants = ", ".join(f"'{t}'" for t in allowed) or "NULL"
        hidden = masked_columns(principal)
        for table in TABLES.values():
            reader = (f"read_parquet('{data_dir / table.name}/*/*.parquet', hive_partitioning = true, "
                      "hive_types = {'dt': VARCHAR})" if table.partitioned
                      else f"read_parquet('{data_dir / table.name}/*.parquet')")
            replace = [f"{_mask(c)} AS {c}" for c in table.column_names if c in hidden]
            star = f"* REPLACE ({', '.join(replace)})" if replace else "*"
            where = "" if principal.all_tenants else f"WHERE tenant_id IN ({tenants})"
            self.con.execute(f"CREATE TABLE {table.name} AS SELECT {star} FROM {reader} {where}")

    def run(self, athena_sql: str) -> pd.DataFrame:
        """Run Athena SQL, transpiled as the app does but without any scoping."""
        return normalise(self.con.execute(to_dialect(parse(athena_sql), "duckdb")).df())


def _mask(column: str) -> str:
    from settings import get_settings

    return pseudonym(parse(column), get_settings().masking_key).sql("duckdb")


def same_rows(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal as multisets of rows (engines do not promise an order without ORDER BY)."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want), f"{len(got)} rows, expected {len(want)}"
    if got.empty:
        return
    key = list(got.columns)
    got = got.astype(object).where(got.notna(), None).sort_values(key, key=_sortable).reset_index(drop=True)
    want = want.astype(object).where(want.notna(), None).sort_values(key, key=_sortable).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-9)


def _sortable(series: pd.Series) -> pd.Series:
    return series.map(lambda v: (v is None, str(v)))


def users_cli(app_work: Path, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    """Run `python -m auth users ARGS` against the users file and database under `app_work`."""
    env = {**os.environ, "VAR_DIR": str(app_work)}
    command = [sys.executable, "-m", "auth", "users", *args] + (["--password-stdin"] if password else [])
    return subprocess.run(command, cwd=ROOT, env=env, input=(password + "\n") if password else None,
                          capture_output=True, text=True, timeout=60)
