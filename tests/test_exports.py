"""Exports: CSV and Excel bytes read back, the Excel "About" sheet, and who may export."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest

from exports import ExportContext, export_bytes, export_filename, may_export
from queries import Principal

FRAME = pd.DataFrame({
    "day": pd.to_datetime(["2026-11-01", "2026-11-02"]),
    "channel": ["web", "=HYPERLINK(\"http://x\")"],
    "interactions": [120, 98],
    "failure_rate": [0.031, None],
})
CONTEXT = ExportContext("Overview Daily interactions", {"From": "2026-10-24", "To": "2026-11-22", "Channels": "web"},
                        "SELECT 1 AS x", dt.datetime(2026, 11, 22, 15, 30, tzinfo=dt.UTC), user="analyst")


def test_exp001_csv_reads_back_to_the_same_frame():
    back = pd.read_csv(io.BytesIO(export_bytes(FRAME, "csv", CONTEXT)), parse_dates=["day"])
    assert back["interactions"].tolist() == [120, 98]
    assert back["day"].tolist() == FRAME["day"].tolist()
    assert back["failure_rate"].iloc[0] == pytest.approx(0.031) and pd.isna(back["failure_rate"].iloc[1])


def test_exp002_excel_has_the_data_and_an_about_sheet_with_filters_sql_and_time():
    sheets = pd.read_excel(io.BytesIO(export_bytes(FRAME, "xlsx", CONTEXT)), sheet_name=None)
    assert list(sheets) == ["Data", "About"]
    assert sheets["Data"]["interactions"].tolist() == [120, 98]
    about = dict(zip(sheets["About"]["Item"], sheets["About"]["Value"], strict=True))
    assert about["Run at (UTC)"] == "2026-11-22 15:30:00"
    assert about["SQL"] == "SELECT 1 AS x"
    assert about["Filter: Channels"] == "web" and about["Filter: From"] == "2026-10-24"
    assert about["User"] == "analyst"


def test_exp003_excel_text_never_runs_as_a_formula():
    data = pd.read_excel(io.BytesIO(export_bytes(FRAME, "xlsx", CONTEXT)), sheet_name="Data")
    assert data["channel"].iloc[1].startswith("'=")


def test_exp004_long_sql_is_split_over_rows():
    context = ExportContext("x", sql="SELECT " + ", ".join(f"{i} AS c{i}" for i in range(6000)))
    about = pd.read_excel(io.BytesIO(export_bytes(FRAME, "xlsx", context)), sheet_name="About")
    parts = about[about["Item"].str.startswith("SQL")]["Value"]
    assert len(parts) >= 2 and "".join(parts) == context.sql


def test_exp005_unknown_format_and_file_names():
    with pytest.raises(ValueError):
        export_bytes(FRAME, "pdf", CONTEXT)
    assert export_filename("Overview: Daily / trend!", "csv", dt.datetime(2026, 11, 22, 15, 30)) == \
        "overview-daily-trend-20261122-1530.csv"


@pytest.mark.parametrize("role,allowed", [("viewer", False), ("analyst", True), ("admin", True)])
def test_exp006_exports_are_for_analysts_and_admins(role, allowed):
    tenants = None if role == "admin" else frozenset({"t01"})
    assert may_export(Principal("u", role, tenants)) is allowed
