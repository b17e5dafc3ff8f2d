"""Every named query runs and returns the expected columns, dtypes and values.

Values are checked against an independent pandas computation over the same Parquet files.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from queries import LOCAL_DEMO, Filters, Principal, named
from tests.conftest import END_DATE

LAST_30 = Filters(END_DATE - dt.timedelta(days=29), END_DATE)
PARAMS = {"debug_slow": {"n": 30}}  # named queries that take parameters beyond the filters


@pytest.fixture(scope="module")
def tables(demo_data) -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_parquet(demo_data / name)  # pyarrow reads dt from the Hive paths
        for name in ("tenants", "clinicians", "interactions", "clinical_notes")
    }


def _in_period(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    days = frame["dt"].astype(str)
    keep = (days >= f.start.isoformat()) & (days <= f.end.isoformat())
    if f.channels:
        keep &= frame["channel"].isin(f.channels)
    return frame[keep]


def test_nq001_every_named_query_runs_with_stable_dtypes(service):
    assert named.names(), "no named queries found"
    for name in named.names():
        frame = service.run(name, LOCAL_DEMO, filters=LAST_30, **PARAMS.get(name, {}))
        again = service.run(name, LOCAL_DEMO, filters=LAST_30, **PARAMS.get(name, {}))  # from the cache
        pd.testing.assert_frame_equal(frame, again)
        for column, dtype in frame.dtypes.items():
            assert str(dtype) in {"int64", "Int64", "float64", "bool", "boolean", "datetime64[us]", "str"}, (
                name, column, dtype)


def test_nq002_overview_kpis_match_pandas(service, tables):
    got = service.run("overview_kpis", LOCAL_DEMO, filters=LAST_30).iloc[0]
    inter = _in_period(tables["interactions"], LAST_30)
    notes = _in_period(tables["clinical_notes"], LAST_30)
    ai = notes[notes["ai_generated"]]
    assert got["interactions"] == len(inter)
    assert got["active_clinicians"] == inter["clinician_id"].nunique()
    assert got["notes_drafted"] == len(notes)
    assert got["acceptance_rate"] == pytest.approx(ai["accepted"].mean())
    assert got["p95_latency_ms"] == np.quantile(inter["ai_latency_ms"], 0.95, method="inverted_cdf")
    assert got["failure_rate"] == pytest.approx((inter["status"] == "failed").mean())
    assert got["ai_cost_usd"] == pytest.approx(inter["cost_usd"].sum())


def test_nq003_overview_daily_matches_pandas(service, tables):
    got = service.run("overview_daily", LOCAL_DEMO, filters=LAST_30)
    inter = _in_period(tables["interactions"], LAST_30)
    want = inter.groupby(inter["dt"].astype(str)).agg(
        interactions=("interaction_id", "size"),
        failures=("status", lambda s: (s == "failed").sum()),
        active_clinicians=("clinician_id", "nunique"),
    )
    assert len(got) == 30
    assert got["day"].dt.strftime("%Y-%m-%d").tolist() == want.index.tolist()
    assert got["interactions"].tolist() == want["interactions"].tolist()
    assert got["failures"].tolist() == want["failures"].tolist()
    assert got["active_clinicians"].tolist() == want["active_clinicians"].tolist()


def test_nq004_breakdown_with_channel_filter_matches_pandas(service, tables):
    web = Filters(LAST_30.start, LAST_30.end, channels=("web",))
    got = service.run("overview_breakdown", LOCAL_DEMO, filters=web)
    inter = _in_period(tables["interactions"], web)
    want = inter.groupby(["interaction_type", "channel"]).size()
    assert set(got["channel"]) == {"web"}
    assert dict(zip(got["interaction_type"], got["interactions"], strict=True)) == {
        k[0]: v for k, v in want.items()}


def test_nq005_channel_filter_narrows_notes_through_their_interactions(service, tables):
    web = Filters(LAST_30.start, LAST_30.end, channels=("web",))
    got = service.run("overview_kpis", LOCAL_DEMO, filters=web).iloc[0]
    inter = tables["interactions"]
    web_ids = set(inter.loc[inter["channel"] == "web", "interaction_id"])
    notes = _in_period(tables["clinical_notes"], LAST_30)
    assert got["notes_drafted"] == notes["interaction_id"].isin(web_ids).sum()


def test_nq006_viewer_sees_only_their_tenant(service, tables):
    viewer = Principal("v", "viewer", frozenset({"t01"}))
    got = service.run("overview_kpis", viewer, filters=LAST_30).iloc[0]
    inter = _in_period(tables["interactions"], LAST_30)
    assert got["interactions"] == (inter["tenant_id"] == "t01").sum()
    assert service.run("tenant_list", viewer)["tenant_id"].tolist() == ["t01"]


def test_nq007_history_records_each_run(service):
    records = []
    service.listeners.append(records.append)
    service.run("overview_kpis", LOCAL_DEMO, filters=LAST_30)
    service.run("overview_kpis", LOCAL_DEMO, filters=LAST_30)
    assert [r.cache_hit for r in records] == [False, True]
    first = records[0]
    assert first.name == "overview_kpis" and first.user_id == "demo" and first.rows == 1
    assert first.status == "ok" and first.engine == "duckdb" and len(first.sql_hash) == 16


def test_nq008_cached_answers_hits_only_and_records_them(service):
    records = []
    service.listeners.append(records.append)
    assert service.cached("overview_kpis", LOCAL_DEMO, filters=LAST_30) is None  # nothing ran
    assert records == []
    fresh = service.run("overview_kpis", LOCAL_DEMO, filters=LAST_30)
    pd.testing.assert_frame_equal(service.cached("overview_kpis", LOCAL_DEMO, filters=LAST_30), fresh)
    assert [r.cache_hit for r in records] == [False, True]
