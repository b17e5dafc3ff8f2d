"""The worked example page: its query against pandas, and its callback for a scoped viewer."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from queries import Filters, Principal
from tests.conftest import END_DATE

LAST_30 = Filters(END_DATE - dt.timedelta(days=29), END_DATE)


def test_ten001_tenant_summary_matches_pandas(service, demo_data):
    viewer = Principal("v", "viewer", frozenset({"t01", "t02"}))
    got = service.run("tenant_summary", viewer, filters=LAST_30).set_index("tenant_id")
    inter = pd.read_parquet(demo_data / "interactions", columns=["tenant_id", "clinician_id", "dt"])
    days = inter["dt"].astype(str)
    inter = inter[(days >= LAST_30.start.isoformat()) & (days <= LAST_30.end.isoformat())]
    want = inter[inter["tenant_id"].isin(["t01", "t02"])].groupby("tenant_id").agg(
        interactions=("tenant_id", "size"), active_clinicians=("clinician_id", "nunique"))
    assert sorted(got.index) == ["t01", "t02"]
    for tenant in want.index:
        assert got.at[tenant, "interactions"] == want.at[tenant, "interactions"]
        assert got.at[tenant, "active_clinicians"] == want.at[tenant, "active_clinicians"]


def test_ten002_tenant_without_activity_still_listed(service):
    quiet = Filters(dt.date(2020, 1, 1), dt.date(2020, 1, 7))  # before any go-live
    got = service.run("tenant_summary", Principal("a", "admin", None), filters=quiet)
    assert len(got) == 12 and (got["interactions"] == 0).all() and got["failure_rate"].isna().all()
