"""Explore's catalog: every metric x dimension pair builds SQL that runs on DuckDB and matches pandas."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from queries import Filters, Principal, QueryRejected
from queries.catalog import DIMENSIONS, METRICS
from queries.explore import ExploreSpec, build
from tests.conftest import END_DATE

PERIOD = Filters(END_DATE - dt.timedelta(days=59), END_DATE)
ADMIN = Principal("a", "admin", None)

# Independent pandas definitions of every metric.
PANDAS_METRICS = {
    "interactions": len,
    "active_clinicians": lambda g: g["clinician_id"].nunique(),
    "failure_rate": lambda g: (g["status"] == "failed").mean(),
    "p50_latency_ms": lambda g: np.quantile(g["ai_latency_ms"], 0.5, method="inverted_cdf"),
    "p95_latency_ms": lambda g: np.quantile(g["ai_latency_ms"], 0.95, method="inverted_cdf"),
    "tokens": lambda g: (g["tokens_in"].astype("int64") + g["tokens_out"]).sum(),
    "cost_usd": lambda g: g["cost_usd"].sum(),
    "notes_drafted": len,
    "ai_drafted_share": lambda g: g["ai_generated"].mean(),
    "acceptance_rate": lambda g: (g["ai_generated"] & g["accepted"]).sum() / g["ai_generated"].sum(),
    "avg_edit_ratio": lambda g: g["edit_ratio"].mean(),
}


@pytest.fixture(scope="module")
def facts(demo_data) -> dict[str, pd.DataFrame]:
    """The fact tables in the period, each with every dimension reachable from it as a column."""
    def period(frame):
        days = frame["dt"].astype(str)
        return frame[(days >= PERIOD.start.isoformat()) & (days <= PERIOD.end.isoformat())]

    interactions = period(pd.read_parquet(demo_data / "interactions"))
    notes = period(pd.read_parquet(demo_data / "clinical_notes"))
    clinicians = pd.read_parquet(demo_data / "clinicians")
    interactions = interactions.merge(clinicians[["clinician_id", "specialty"]], on="clinician_id", how="left")
    # The guard applies the date range to every fact table, the joined one too: a note whose
    # interaction fell before the period (a late-night session) has no channel, as in the SQL.
    via = interactions[["interaction_id", "channel", "interaction_type", "model_version", "status"]]
    notes = notes.merge(via, on="interaction_id", how="left")
    rename = {"tenant_id": "tenant"}
    return {"interactions": interactions.rename(columns=rename), "clinical_notes": notes.rename(columns=rename)}


def run_spec(service, spec: ExploreSpec) -> pd.DataFrame:
    from queries.dialect import to_dialect
    from queries.frames import normalise
    from queries.guard import scope_tables

    sql = to_dialect(scope_tables(build(spec), ADMIN, PERIOD), "duckdb")
    return normalise(service.engine.execute(sql).frame)


PAIRS = [(m, d) for m in METRICS for d in DIMENSIONS]


@pytest.mark.parametrize("metric, dimension", PAIRS, ids=[f"{m}-{d}" for m, d in PAIRS])
def test_cat001_metric_by_dimension_matches_pandas(service, facts, metric, dimension):
    spec = ExploreSpec((metric,), (dimension,))
    frame = facts[METRICS[metric].table]
    if dimension not in frame.columns:
        with pytest.raises(QueryRejected, match="cannot be split"):
            build(spec)
        return
    got = run_spec(service, spec).set_index(dimension)[metric]
    keys = frame[dimension].fillna("(none)")  # grouping by values, not by name, keeps the column
    want = frame.groupby(keys.to_numpy()).apply(PANDAS_METRICS[metric])
    got.index = got.index.fillna("(none)")
    assert sorted(got.index) == sorted(want.index)
    for key, value in want.items():
        assert got[key] == pytest.approx(float(value), rel=1e-9), (metric, dimension, key)


def test_cat002_two_tables_by_month_and_a_filter(service, facts):
    spec = ExploreSpec(("interactions", "notes_drafted"), ("specialty",), "month", {"tenant": ("t01",)})
    got = run_spec(service, spec)
    for table, metric in (("interactions", "interactions"), ("clinical_notes", "notes_drafted")):
        frame = facts[table]
        frame = frame[frame["tenant"] == "t01"]
        time = frame["started_at" if table == "interactions" else "created_at"]
        want = frame.groupby([time.dt.to_period("M").dt.start_time, frame["specialty"]]).size()
        for (month, specialty), count in want.items():
            row = got[(got["period"] == month) & (got["specialty"] == specialty)]
            assert row[metric].iloc[0] == count


@pytest.mark.parametrize(
    "spec, message",
    [
        (ExploreSpec(()), "at least one metric"),
        (ExploreSpec(("revenue",)), "unknown metric or dimension: revenue"),
        (ExploreSpec(("interactions",), ("'; DROP TABLE x",)), "unknown metric or dimension"),
        (ExploreSpec(("interactions",), ("channel",), "fortnight"), "unknown time grain"),
        (ExploreSpec(("interactions",), ("channel", "status", "tenant")), "at most 2 dimensions"),
        (ExploreSpec(("interactions",), (), None, {"colour": ("red",)}), "unknown metric or dimension: colour"),
    ],
)
def test_cat003_bad_specs_are_refused_with_a_clear_message(spec, message):
    with pytest.raises(QueryRejected, match=message):
        build(spec)


def test_cat004_filter_values_are_literals_not_sql():
    tree = build(ExploreSpec(("interactions",), (), None, {"channel": ("web' OR '1'='1",)}))
    assert "'web'' OR ''1''=''1'" in tree.sql("athena")
