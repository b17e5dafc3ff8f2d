"""Tests of the demo dataset generator: determinism, layout, schemas and the injected truths."""

from __future__ import annotations

import json
import statistics
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from bench.generator import bench_generator
from demo import generate as gen
from demo.ddl import athena_ddl
from demo.generate import (
    DEFAULT_S3_LOCATION,
    MIN_DAYS,
    generate,
    manifest_path,
    read_manifest,
    us_holidays,
)
from queries.tables import (
    CHANNELS,
    CLINICIAN_ROLES,
    INTERACTION_TYPES,
    NOTE_TYPES,
    PLANS,
    SPECIALTIES,
    STATUSES,
    TABLES,
)

END = date(2026, 11, 22)
DAYS = 200
PARTITIONED = [name for name, table in TABLES.items() if table.partitioned]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """One small dataset (~55k interactions over 200 days) shared by the read-only tests."""
    out = tmp_path_factory.mktemp("demo") / "data"
    return out, generate(out, seed=11, scale=0.05, end_date=END, days=DAYS)


@pytest.fixture(scope="module")
def con(dataset: tuple[Path, dict]) -> duckdb.DuckDBPyConnection:
    """DuckDB views over the dataset; dt kept as the string Athena sees."""
    out, _ = dataset
    db = duckdb.connect()
    for name, table in TABLES.items():
        if table.partitioned:
            source = (
                f"read_parquet('{out}/{name}/*/*.parquet', hive_partitioning = true, "
                "hive_types = {'dt': 'VARCHAR'})"
            )
        else:
            source = f"read_parquet('{out}/{name}/*.parquet')"
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM {source}")
    return db


def _daily_counts(con: duckdb.DuckDBPyConnection) -> dict[date, int]:
    rows = con.execute("SELECT dt, count(*) FROM interactions GROUP BY dt").fetchall()
    return {date.fromisoformat(day): n for day, n in rows}


def _p95(con: duckdb.DuckDBPyConnection, first: date, last: date) -> float:
    sql = "SELECT quantile_cont(ai_latency_ms, 0.95) FROM interactions WHERE dt BETWEEN ? AND ?"
    return con.execute(sql, [first.isoformat(), last.isoformat()]).fetchone()[0]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


# ------------------------------------------------------------------------------ determinism


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    """Three tiny datasets: seed 3 twice and seed 4 once."""
    root = tmp_path_factory.mktemp("runs")
    runs = {}
    for label, seed in (("a", 3), ("b", 3), ("other", 4)):
        out = root / label
        runs[label] = (out, generate(out, seed=seed, scale=0.01, end_date=END, days=120))
    return runs


def test_gen001_deterministic_for_a_seed(small_runs: dict[str, tuple[Path, dict]]) -> None:
    (a, manifest_a), (b, manifest_b) = small_runs["a"], small_runs["b"]
    files_a, files_b = _files(a), _files(b)
    assert files_a.keys() == files_b.keys()
    assert [name for name in files_a if files_a[name] != files_b[name]] == []

    def stable(manifest: dict) -> dict:
        return {key: value for key, value in manifest.items() if key != "generated_at"}

    assert stable(manifest_a) == stable(manifest_b)


def test_gen002_different_seed_gives_different_data(
    small_runs: dict[str, tuple[Path, dict]],
) -> None:
    (a, manifest_a), (other, manifest_other) = small_runs["a"], small_runs["other"]
    files_a, files_other = _files(a), _files(other)
    changed = [
        n for n in files_a if n.startswith("interactions/") and files_a[n] != files_other.get(n)
    ]
    assert len(changed) > 100
    assert manifest_a["data_version"] != manifest_other["data_version"]


# ----------------------------------------------------------------------------- layout/schema


def test_gen003_files_use_the_arrow_schema_without_dt(dataset: tuple[Path, dict]) -> None:
    out, _ = dataset
    for name, table in TABLES.items():
        files = list((out / name).rglob("*.parquet"))
        assert files, name
        for path in files:
            schema = pq.read_schema(path)
            assert schema.equals(table.arrow_schema()), path
            assert "dt" not in schema.names


def test_gen004_one_partition_file_per_day(dataset: tuple[Path, dict]) -> None:
    out, manifest = dataset
    start = date.fromisoformat(manifest["start_date"])
    expected = {f"dt={(start + timedelta(days=i)).isoformat()}" for i in range(DAYS)}
    assert manifest["end_date"] == END.isoformat() and manifest["days"] == DAYS
    for name in PARTITIONED:
        folders = list((out / name).iterdir())
        assert {f.name for f in folders} == expected
        assert all([p.name for p in f.iterdir()] == ["part-0.parquet"] for f in folders)
    assert (out / "tenants" / "tenants.parquet").is_file()
    assert (out / "clinicians" / "clinicians.parquet").is_file()


def test_gen005_ids_unique_and_counts_match_manifest(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    keys = {
        "tenants": "tenant_id",
        "clinicians": "clinician_id",
        "interactions": "interaction_id",
        "clinical_notes": "note_id",
    }
    for name, key in keys.items():
        rows, distinct = con.execute(
            f"SELECT count(*), count(DISTINCT {key}) FROM {name}"
        ).fetchone()
        assert rows == distinct == manifest["row_counts"][name], name
    assert 40_000 < manifest["row_counts"]["interactions"] < 75_000


def test_gen006_values_stay_in_their_domains(con: duckdb.DuckDBPyConnection) -> None:
    domains = {
        ("interactions", "channel"): CHANNELS,
        ("interactions", "interaction_type"): INTERACTION_TYPES,
        ("interactions", "status"): STATUSES,
        ("clinical_notes", "note_type"): NOTE_TYPES,
        ("clinical_notes", "specialty"): SPECIALTIES,
        ("clinicians", "specialty"): SPECIALTIES,
        ("clinicians", "role"): CLINICIAN_ROLES,
        ("tenants", "plan"): PLANS,
    }
    for (table, column), allowed in domains.items():
        found = {v for (v,) in con.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
        assert found <= set(allowed), (table, column, found)
    checks = con.execute(
        """
        SELECT bool_and(started_at::date = dt::date), bool_and(duration_sec > 0),
               bool_and(ai_latency_ms > 0), bool_and(cost_usd > 0),
               bool_and(feedback_rating IS NULL OR feedback_rating BETWEEN 1 AND 5),
               avg((feedback_rating IS NOT NULL)::int), avg((status = 'failed')::int),
               avg((status = 'abandoned')::int), bool_and(patient_id LIKE 'p\\_%' ESCAPE '\\')
        FROM interactions
        """
    ).fetchone()
    assert all(checks[:5]) and checks[8]
    assert 0.12 < checks[5] < 0.18
    assert 0.025 < checks[6] < 0.045  # includes the outage day
    assert 0.04 < checks[7] < 0.07
    notes = con.execute(
        """
        SELECT bool_and(edit_ratio BETWEEN 0 AND 1), bool_and(time_to_sign_min > 0),
               bool_and(word_count > 0), avg(ai_generated::int), avg(accepted::int)
        FROM clinical_notes
        """
    ).fetchone()
    assert all(notes[:3]) and notes[3] > 0.9 and notes[4] > 0.7


# ---------------------------------------------------------------------------- injected truths


def test_gen007_weekends_carry_a_quarter_of_weekday_volume(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    special = set(manifest["holidays"]) | {manifest["outage"]["date"]}
    counts = {d: n for d, n in _daily_counts(con).items() if d.isoformat() not in special}
    weekend = statistics.mean(n for d, n in counts.items() if d.weekday() >= 5)
    weekday = statistics.mean(n for d, n in counts.items() if d.weekday() < 5)
    assert 0.2 < weekend / weekday < 0.35
    assert abs(weekend / weekday - manifest["weekend_factor"]) < 0.06


def test_gen008_outage_day_fails_ten_times_more(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    outage = manifest["outage"]
    assert date.fromisoformat(outage["date"]).weekday() < 5
    assert outage["failure_rate"] >= 5 * outage["normal_failure_rate"]
    rates = dict(
        con.execute(
            "SELECT dt, avg((status = 'failed')::int) FROM interactions GROUP BY dt"
        ).fetchall()
    )
    assert rates[outage["date"]] >= 5 * statistics.median(rates.values())
    assert rates[outage["date"]] > 0.2


def test_gen009_latency_regression_and_fix(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    regression = manifest["latency_regression"]
    start, end = date.fromisoformat(regression["start"]), date.fromisoformat(regression["end"])
    assert (end - start).days + 1 == 14 and 1.4 <= regression["p95_factor"] <= 1.6
    before = _p95(con, start - timedelta(days=14), start - timedelta(days=1))
    during = _p95(con, start, end)
    after = _p95(con, end + timedelta(days=1), end + timedelta(days=14))
    assert during >= 1.3 * before
    assert after <= 1.1 * before
    fix = next(r for r in manifest["rollouts"] if r["version"] == manifest["fix_version"])
    assert date.fromisoformat(fix["date"]) == end + timedelta(days=1)


def test_gen010_model_versions_follow_the_rollouts(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    first_seen = dict(
        con.execute("SELECT model_version, min(dt) FROM interactions GROUP BY 1").fetchall()
    )
    assert first_seen == {r["version"]: r["date"] for r in manifest["rollouts"]}
    last_day = con.execute(
        "SELECT DISTINCT model_version FROM interactions WHERE dt = ?", [manifest["end_date"]]
    ).fetchall()
    assert last_day == [(manifest["fix_version"],)]


def test_gen011_holidays_dip_below_their_weekday(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    counts = _daily_counts(con)
    holidays = [date.fromisoformat(h) for h in manifest["holidays"]]
    unusual = set(holidays) | {date.fromisoformat(manifest["outage"]["date"])}
    assert holidays, "the 200-day window holds Memorial Day, July 4 and Labor Day"
    for holiday in holidays:
        same_weekday = [holiday + timedelta(weeks=k) for k in (-3, -2, -1, 1, 2, 3)]
        norm = statistics.median(
            counts[d] for d in same_weekday if d in counts and d not in unusual
        )
        assert counts[holiday] < 0.6 * norm, holiday


def test_gen012_no_activity_before_go_live_or_signup(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    go_lives = {t["id"]: t["go_live_date"] for t in manifest["tenants"]}
    from_table = {
        t: d.isoformat()
        for t, d in con.execute("SELECT tenant_id, go_live_date FROM tenants").fetchall()
    }
    assert go_lives == from_table and len(go_lives) == 12
    inside = [d for d in go_lives.values() if manifest["start_date"] < d <= manifest["end_date"]]
    assert len(inside) >= 5 and len(set(inside)) == len(inside)
    early = con.execute(
        """
        SELECT count(*) FROM interactions i JOIN tenants t USING (tenant_id)
        WHERE i.started_at::date < t.go_live_date
        """
    ).fetchone()[0]
    assert early == 0
    mismatched = con.execute(
        """
        SELECT count(*) FROM interactions i JOIN clinicians c USING (clinician_id)
        WHERE i.started_at::date < c.signup_date OR i.tenant_id <> c.tenant_id
        """
    ).fetchone()[0]
    assert mismatched == 0
    late_signups = con.execute(
        """
        SELECT count(*) FROM clinicians c JOIN tenants t USING (tenant_id)
        WHERE c.signup_date < t.go_live_date
        """
    ).fetchone()[0]
    assert late_signups == 0


def test_gen013_volume_grows_beyond_go_lives(
    con: duckdb.DuckDBPyConnection, dataset: tuple[Path, dict]
) -> None:
    _, manifest = dataset
    start, end = (
        date.fromisoformat(manifest["start_date"]),
        date.fromisoformat(manifest["end_date"]),
    )
    assert 0.5 <= manifest["growth"] <= 0.8
    first_month_end, last_month_start = start + timedelta(days=29), end - timedelta(days=29)
    sql = """
        SELECT count(*) FILTER (WHERE dt <= ?), count(*) FILTER (WHERE dt >= ?)
        FROM interactions WHERE list_contains(?, tenant_id)
    """

    def first_and_last_month(tenants: list[str]) -> tuple[int, int]:
        return con.execute(
            sql, [first_month_end.isoformat(), last_month_start.isoformat(), tenants]
        ).fetchone()

    first, last = first_and_last_month([t["id"] for t in manifest["tenants"]])
    assert last > first
    # Tenants fully ramped before the window grow too: usage deepens, not just new customers.
    settled = start - timedelta(days=30)
    established = [
        t["id"] for t in manifest["tenants"] if date.fromisoformat(t["go_live_date"]) < settled
    ]
    first, last = first_and_last_month(established)
    assert len(established) >= 3 and last > 1.25 * first


def test_gen014_notes_belong_to_their_interactions(con: duckdb.DuckDBPyConnection) -> None:
    orphans, mismatched = con.execute(
        """
        SELECT count(*) FILTER (WHERE i.interaction_id IS NULL),
               count(*) FILTER (WHERE i.interaction_id IS NOT NULL AND (
                   n.tenant_id <> i.tenant_id OR n.clinician_id <> i.clinician_id
                   OR n.patient_id <> i.patient_id OR i.status <> 'completed'
                   OR n.created_at < i.started_at OR n.created_at::date <> n.dt::date
                   OR i.interaction_type NOT IN ('ambient_scribe', 'chart_summary')))
        FROM clinical_notes n LEFT JOIN interactions i USING (interaction_id)
        """
    ).fetchone()
    assert orphans == 0 and mismatched == 0
    wrong_specialty = con.execute(
        """
        SELECT count(*) FROM clinical_notes n JOIN clinicians c USING (clinician_id)
        WHERE n.specialty <> c.specialty
        """
    ).fetchone()[0]
    assert wrong_specialty == 0
    notes, scribes = con.execute(
        """
        SELECT (SELECT count(*) FROM clinical_notes),
               (SELECT count(*) FROM interactions
                WHERE interaction_type = 'ambient_scribe' AND status = 'completed')
        """
    ).fetchone()
    assert 0.95 * scribes < notes < 1.4 * scribes


def test_gen015_newer_models_need_fewer_edits(con: duckdb.DuckDBPyConnection) -> None:
    means = dict(
        con.execute(
            """
            SELECT i.model_version, avg(n.edit_ratio) FROM clinical_notes n
            JOIN interactions i USING (interaction_id) WHERE n.ai_generated GROUP BY 1
            """
        ).fetchall()
    )
    assert means["v2.3"] > means["v2.4.1"]


# ------------------------------------------------------------------------ manifest, DDL, CLI


def test_gen016_manifest_records_the_truths(dataset: tuple[Path, dict]) -> None:
    out, manifest = dataset
    required = {
        "generator_version",
        "seed",
        "scale",
        "days",
        "start_date",
        "end_date",
        "generated_at",
        "row_counts",
        "tenants",
        "rollouts",
        "latency_regression",
        "fix_version",
        "outage",
        "holidays",
        "weekend_factor",
        "growth",
        "files_bytes",
        "data_version",
    }
    assert required <= manifest.keys()
    assert read_manifest(out) == manifest == json.loads(manifest_path(out).read_text())
    assert len(manifest["data_version"]) == 12
    assert all(manifest["files_bytes"][name] > 0 for name in TABLES)
    assert manifest["holidays"] == ["2026-05-25", "2026-07-04", "2026-09-07"]


def test_gen017_read_manifest_none_when_missing_or_corrupt(tmp_path: Path) -> None:
    assert read_manifest(tmp_path / "nowhere") is None
    assert read_manifest(tmp_path) is None
    manifest_path(tmp_path).write_text("{not json")
    assert read_manifest(tmp_path) is None
    manifest_path(tmp_path).write_text("[1, 2]")
    assert read_manifest(tmp_path) is None
    manifest_path(tmp_path).write_text('{"seed": 1}')
    assert read_manifest(tmp_path) == {"seed": 1}


def test_gen018_ddl_covers_tables_and_partition_projection(dataset: tuple[Path, dict]) -> None:
    out, manifest = dataset
    start, end = (
        date.fromisoformat(manifest["start_date"]),
        date.fromisoformat(manifest["end_date"]),
    )
    ddl = athena_ddl("s3://bucket/prefix/", start, end, database="demo_db")
    for name, table in TABLES.items():
        assert f"CREATE EXTERNAL TABLE IF NOT EXISTS `demo_db`.`{name}`" in ddl
        assert f"LOCATION 's3://bucket/prefix/{name}/'" in ddl
        assert all(f"`{column}`" in ddl for column in table.column_names)
    assert ddl.count("PARTITIONED BY (`dt` string)") == len(PARTITIONED) == 2
    assert ddl.count("STORED AS PARQUET") == 4 and ddl.count(";") == 4
    assert ddl.count("'projection.enabled' = 'true'") == 2
    assert "'projection.dt.type' = 'date'" in ddl and "'projection.dt.format' = 'yyyy-MM-dd'" in ddl
    assert f"'projection.dt.range' = '{start.isoformat()},{end.isoformat()}'" in ddl
    assert "'storage.location.template' = 's3://bucket/prefix/interactions/dt=${dt}/'" in ddl
    assert "varchar" not in ddl  # Hive DDL spells it string
    written = (out / "athena_ddl.sql").read_text()
    assert written == athena_ddl(DEFAULT_S3_LOCATION, start, end)
    with pytest.raises(ValueError):
        athena_ddl("/local/path", start, end)


def test_gen019_us_holidays_are_computed_per_year() -> None:
    assert us_holidays(date(2025, 11, 23), date(2026, 11, 30)) == [
        date(2025, 11, 27),
        date(2025, 12, 25),
        date(2026, 1, 1),
        date(2026, 5, 25),
        date(2026, 7, 4),
        date(2026, 9, 7),
        date(2026, 11, 26),
    ]
    assert date(2024, 5, 27) in us_holidays(date(2024, 1, 1), date(2024, 12, 31))


def test_gen020_replaces_atomically_and_cleans_up_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "data"
    generate(out, seed=1, scale=0.01, end_date=END, days=MIN_DAYS)
    second = generate(out, seed=2, scale=0.01, end_date=END, days=MIN_DAYS)
    assert read_manifest(out)["seed"] == 2 == second["seed"]
    assert [p.name for p in tmp_path.iterdir()] == ["data"]

    def crash(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(gen, "_write_facts", crash)
    with pytest.raises(RuntimeError):
        generate(out, seed=3, scale=0.01, end_date=END, days=MIN_DAYS)
    assert [p.name for p in tmp_path.iterdir()] == ["data"]
    assert read_manifest(out)["seed"] == 2


def test_gen021_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path / "a", scale=0, end_date=END)
    with pytest.raises(ValueError):
        generate(tmp_path / "b", days=MIN_DAYS - 1, end_date=END)
    with pytest.raises(ValueError):
        generate(tmp_path / "c", end_date=END, s3_location="bucket/without/scheme")
    assert list(tmp_path.iterdir()) == []


def test_gen022_cli_prints_rows_time_and_throughput(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cli"
    gen.main(
        [
            "--out",
            str(out),
            "--seed",
            "5",
            "--scale",
            "0.01",
            "--end-date",
            "2026-11-22",
            "--days",
            "90",
            "--s3-location",
            "s3://bucket/x",
        ]
    )
    printed = capsys.readouterr().out
    assert "rows to" in printed and "rows/s" in printed
    assert "LOCATION 's3://bucket/x/interactions/'" in (out / "athena_ddl.sql").read_text()
    assert read_manifest(out)["end_date"] == "2026-11-22"


def test_gen023_bench_reports_rows_and_speed() -> None:
    result = bench_generator(scale=0.005)
    assert result.keys() == {"rows", "seconds", "rows_per_s"}
    assert result["rows"] > 5_000 and result["seconds"] > 0 and result["rows_per_s"] > 0
