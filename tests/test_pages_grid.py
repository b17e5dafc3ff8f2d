"""The drill-down grid's SQL builder: rows, counts, sorting, filters and paging against pandas,
scoped to the user's tenants; anything outside the data model is refused."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from queries import Filters, Principal, QueryRejected, grid
from queries.grid import Drill, compile_tree, day_counts_query, fetch_page, rows_query
from tests.conftest import END_DATE

VIEWER = Principal("v", "viewer", frozenset({"t02"}))
ADMIN = Principal("a", "admin", None)
PERIOD = Filters(END_DATE - dt.timedelta(days=89), END_DATE)


@pytest.fixture(scope="module")
def interactions(demo_data) -> pd.DataFrame:
    frame = pd.read_parquet(demo_data / "interactions")
    frame["dt"] = frame["dt"].astype(str)
    return frame[(frame["dt"] >= PERIOD.start.isoformat()) & (frame["dt"] <= PERIOD.end.isoformat())]


@pytest.fixture(scope="module")
def clinicians(demo_data) -> pd.DataFrame:
    return pd.read_parquet(demo_data / "clinicians")


def test_grd001_a_page_of_rows_sorted_filtered_and_scoped(service, interactions):
    drill = Drill("interactions", "web", (("eq", "channel", "web"),))
    request = {"startRow": 20, "endRow": 40, "sortModel": [{"colId": "ai_latency_ms", "sort": "desc"}],
               "filterModel": {"interaction_type": {"filterType": "text", "type": "contains", "filter": "scribe"},
                               "duration_sec": {"filterType": "number", "type": "greaterThan", "filter": 100}}}
    rows, count = fetch_page(service, VIEWER, PERIOD, drill, request)
    want = interactions[(interactions["tenant_id"] == "t02") & (interactions["channel"] == "web")
                        & interactions["interaction_type"].str.contains("scribe")
                        & (interactions["duration_sec"] > 100)]
    want = want.sort_values(["ai_latency_ms", "started_at", "interaction_id"], ascending=False)
    assert count == len(want) > 40
    assert [r["interaction_id"] for r in rows] == want["interaction_id"].iloc[20:40].tolist()
    assert {r["tenant_id"] for r in rows} == {"t02"}
    assert "patient_id" not in rows[0]
    assert isinstance(rows[0]["started_at"], str)


def test_grd002_heatmap_cell_and_day_conditions(service, interactions):
    day = (END_DATE - dt.timedelta(days=3)).isoformat()
    drill = Drill("interactions", "cell", (("weekday", 2), ("hour", 14)))
    _, count = fetch_page(service, ADMIN, PERIOD, drill, {"startRow": 0, "endRow": 10})
    started = interactions["started_at"]
    assert count == ((started.dt.day_of_week == 1) & (started.dt.hour == 14)).sum()
    drill = Drill("interactions", "day", (("dt_range", day, day), ("eq", "status", "failed")))
    _, count = fetch_page(service, ADMIN, PERIOD, drill, {"startRow": 0, "endRow": 10})
    assert count == ((interactions["dt"] == day) & (interactions["status"] == "failed")).sum()


def test_grd003_clinician_conditions_signup_range_and_specialty(service, interactions, clinicians):
    drill = Drill("interactions", "cohort", (("signup_range", "2026-01-01", "2026-06-30"),
                                             ("specialty", "family_medicine")))
    _, count = fetch_page(service, ADMIN, PERIOD, drill, {"startRow": 0, "endRow": 10})
    signup = pd.to_datetime(clinicians["signup_date"])
    chosen = clinicians[(signup >= "2026-01-01") & (signup <= "2026-06-30")
                        & (clinicians["specialty"] == "family_medicine")]["clinician_id"]
    assert count == interactions["clinician_id"].isin(chosen).sum() > 0


def test_grd004_ranges_and_combined_filters(service, interactions):
    drill = Drill("interactions", "bucket", (("range", "duration_sec", 64, 128),))
    request = {"startRow": 0, "endRow": 5, "filterModel": {"channel": {
        "filterType": "text", "operator": "OR",
        "conditions": [{"filterType": "text", "type": "equals", "filter": "web"},
                       {"filterType": "text", "type": "startsWith", "filter": "mob"}]}}}
    _, count = fetch_page(service, ADMIN, PERIOD, drill, request)
    want = interactions[interactions["duration_sec"].between(64, 127)
                        & interactions["channel"].isin(["web", "mobile"])]
    assert count == len(want)


def test_grd005_values_are_bound_literals_never_sql(service):
    hostile = "x' OR '1'='1"
    drill = Drill("interactions", "x", (("eq", "channel", hostile),))
    request = {"startRow": 0, "endRow": 5,
               "filterModel": {"status": {"filterType": "text", "type": "contains", "filter": "'; DROP TABLE x; --"}}}
    rows, count = fetch_page(service, ADMIN, PERIOD, drill, request)
    assert rows == [] and count == 0
    sql = compile_tree(service, rows_query(drill, request), ADMIN, PERIOD)
    assert "'x'' OR ''1''=''1'" in sql


@pytest.mark.parametrize("drill,request_", [
    (Drill("interactions", "x", (("eq", "patient_id", "p"),)), {}),
    (Drill("interactions", "x", (("eq", "channel; DROP", "web"),)), {}),
    (Drill("interactions", "x", (("exec", "x"),)), {}),
    (Drill("interactions", "x", (("hour", 25),)), {}),
    (Drill("interactions", "x", ()), {"sortModel": [{"colId": "patient_id", "sort": "asc"}]}),
    (Drill("interactions", "x", ()), {"filterModel": {"tenant_id": {"filterType": "sql", "type": "raw"}}}),
    (Drill("interactions", "x", ()), {"filterModel": {"duration_sec": {"filterType": "number", "type": "equals",
                                                                        "filter": "1; DROP"}}}),
    (Drill("interactions", "x", ()), {"startRow": -5, "endRow": 10}),
], ids=["masked-column", "bad-column", "bad-op", "bad-hour", "bad-sort", "bad-filter", "bad-number", "bad-row"])
def test_grd006_anything_outside_the_model_is_refused(drill, request_):
    with pytest.raises(QueryRejected):
        rows_query(drill, {"startRow": 0, "endRow": 10, **request_})


def test_grd007_drill_json_round_trip_and_unknown_table():
    drill = Drill("clinical_notes", "soap", (("eq", "note_type", "soap"), ("range", "word_count", 256, None)))
    assert Drill.from_json(drill.to_json()) == drill
    with pytest.raises(QueryRejected):
        Drill.from_json({"table": "users", "where": []})
    assert "count" in day_counts_query(drill, {}).sql().lower()


@pytest.mark.parametrize("sort", [None, "asc"], ids=["newest-first", "oldest-first"])
def test_grd008_blocks_in_time_order_read_only_their_days(service, interactions, sort):
    """In event-time order a block is read from the days that hold it (the per-day counts place it);
    blocks that start mid-day, straddle days and run past the end still match pandas row for row."""
    drill = Drill("interactions", "mobile", (("eq", "channel", "mobile"),))
    sort_model = [{"colId": "started_at", "sort": sort}] if sort else []
    want = interactions[(interactions["tenant_id"] == "t02") & (interactions["channel"] == "mobile")]
    want = want.sort_values(["started_at", "interaction_id"], ascending=[sort == "asc", False])
    per_day = want.groupby("dt").size()
    straddle = int(per_day.sort_index(ascending=sort == "asc").iloc[:3].sum()) - 7  # across day 3 and 4
    for start, end in [(0, 100), (straddle, straddle + 50), (len(want) - 10, len(want) + 90),
                       (len(want) + 5, len(want) + 105)]:
        request = {"startRow": start, "endRow": end, "sortModel": sort_model}
        rows, count = fetch_page(service, VIEWER, PERIOD, drill, request)
        assert count == len(want)
        assert [r["interaction_id"] for r in rows] == want["interaction_id"].iloc[start:end].tolist()
    # The first block of a 90-day slice reads a day or two, not the whole period.
    sql = compile_tree(service, rows_query(drill, {"startRow": 0, "endRow": 100}, grid.day_window(
        drill, {"startRow": 0, "endRow": 100}, per_day.rename("row_count").reset_index())), VIEWER, PERIOD)
    assert f"'{want['dt'].iloc[0]}'" in sql and "BETWEEN" in sql.upper()
