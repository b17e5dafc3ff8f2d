"""The embedded DuckDB engine: views over the dataset, the file-access wall, errors, cancel."""

from __future__ import annotations

import shutil
import threading
import time

import pandas as pd
import pytest

from queries import DataUnavailable, QueryError
from queries.engines.duckdb import DuckDBEngine
from queries.errors import QueryCancelled


@pytest.fixture(scope="module")
def engine(demo_data):
    return DuckDBEngine(demo_data)


def test_ddb001_views_read_the_dataset(engine, demo_data):
    from demo.generate import read_manifest

    counts = read_manifest(demo_data)["row_counts"]
    for table, expected in counts.items():
        assert engine.execute(f"SELECT count(*) AS n FROM {table}").frame.at[0, "n"] == expected
    assert engine.latest_day().isoformat() == read_manifest(demo_data)["end_date"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "COPY (SELECT 1) TO '/tmp/escape.csv'",
        "SET enable_external_access = true",
        "ATTACH '/tmp/other.db' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
    ],
)
def test_ddb002_no_file_access_outside_the_dataset(engine, sql):
    with pytest.raises(QueryError, match="disabled|locked"):
        engine.execute(sql)


def test_ddb003_engine_error_carries_name_and_message(engine):
    with pytest.raises(QueryError) as info:
        engine.execute("SELECT no_such_column FROM tenants", label="my_query")
    assert info.value.name == "my_query" and "no_such_column" in info.value.message


def test_ddb004_missing_dataset_says_how_to_regenerate(tmp_path):
    with pytest.raises(DataUnavailable, match="python -m demo.generate"):
        DuckDBEngine(tmp_path / "nothing-here")


def test_ddb005_corrupt_file_says_how_to_regenerate(demo_data, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(demo_data, copy)
    victim = sorted((copy / "interactions").glob("dt=*/part-0.parquet"))[-1]
    victim.write_bytes(b"not parquet at all")
    engine = DuckDBEngine(copy)
    with pytest.raises(DataUnavailable, match="python -m demo.generate"):
        engine.execute("SELECT count(*) FROM interactions")


def test_ddb006_cancel_interrupts_a_running_query(engine):
    started = []
    result = {}

    def run():
        try:
            engine.execute(
                "SELECT count(*) FROM range(100000000000) a WHERE a.range % 7 = 3",
                on_start=started.append,
            )
        except QueryCancelled as err:
            result["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    while not started:
        time.sleep(0.01)
    time.sleep(0.3)
    engine.cancel(started[0])
    thread.join(10)
    assert not thread.is_alive()
    assert result["error"].query_id == started[0]


def test_ddb007_one_cursor_per_thread(engine):
    errors = []

    def worker():
        try:
            for _ in range(5):
                engine.execute("SELECT count(*) FROM interactions WHERE channel = 'web'")
        except Exception as err:  # noqa: BLE001 - collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_ddb008_sql_cannot_read_python_variables(engine):
    secret_frame = pd.DataFrame({"ssn": ["123-45-6789"]})  # noqa: F841 - the bait
    with pytest.raises(QueryError, match="does not exist"):
        engine.execute("SELECT * FROM secret_frame")
