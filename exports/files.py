"""CSV and Excel files from frames. The Excel file's second sheet says how the data was made."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

EXPORT_FORMATS = ("csv", "xlsx")
_MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_EXCEL_CELL_LIMIT = 32_767  # characters; longer SQL is split over several rows


@dataclass(frozen=True)
class ExportContext:
    """What produced the data: shown on the Excel file's "About" sheet."""

    title: str
    filters: Mapping[str, str] = field(default_factory=dict)
    sql: str = ""
    ran_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    user: str = ""


def export_bytes(frame: pd.DataFrame, fmt: str, context: ExportContext) -> bytes:
    """The file's bytes. Raises ValueError for an unknown format."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "xlsx":
        return _excel(frame, context)
    raise ValueError(f"unknown export format {fmt!r}; expected one of {EXPORT_FORMATS}")


def export_filename(title: str, fmt: str, when: dt.datetime | None = None) -> str:
    """`interactions-by-type-20261122-1530.csv`: the title made file-safe, and the time."""
    when = when or dt.datetime.now(dt.UTC)
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "export"
    return f"{slug}-{when:%Y%m%d-%H%M}.{fmt}"


def mime_type(fmt: str) -> str:
    return _MIME[fmt]


def _excel(frame: pd.DataFrame, context: ExportContext) -> bytes:
    buffer = io.BytesIO()
    about = [("Title", context.title), ("Run at (UTC)", context.ran_at.strftime("%Y-%m-%d %H:%M:%S")),
             ("User", context.user)]
    about += [(f"Filter: {k}", v) for k, v in context.filters.items()]
    sql = context.sql or ""
    chunks = [sql[i:i + _EXCEL_CELL_LIMIT] for i in range(0, len(sql), _EXCEL_CELL_LIMIT)] or [""]
    about += [("SQL" if i == 0 else "SQL (continued)", chunk) for i, chunk in enumerate(chunks)]
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _excel_safe(frame).to_excel(writer, sheet_name="Data", index=False)
        pd.DataFrame(about, columns=["Item", "Value"]).to_excel(writer, sheet_name="About", index=False)
        writer.sheets["About"].column_dimensions["A"].width = 22
        writer.sheets["About"].column_dimensions["B"].width = 100
    return buffer.getvalue()


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel has no time zones, and a text cell starting with = would run as a formula."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_localize(None)
        elif pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            out[column] = series.map(lambda v: "'" + v if isinstance(v, str) and v[:1] in "=+-@" else v)
    return out
