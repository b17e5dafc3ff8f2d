"""Stable dtypes: the same query gives the same frame dtypes on every engine and fetch path.

Integers -> int64 (nullable Int64 when NULLs occur), floats and decimals -> float64, booleans ->
bool (nullable boolean with NULLs), dates and timestamps -> naive datetime64[us] (UTC: pandas 3's own
resolution, what DuckDB and Athena store, and wide enough for any date),
text -> pandas' string dtype.
"""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
from pandas.api import types as ptypes


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with the project's canonical dtypes (column names lower-cased).

    Only what differs is replaced, on a shallow copy: building a new frame would cost more than
    a small query itself.
    """
    if not len(frame.columns):
        return pd.DataFrame(index=range(len(frame)))
    out = frame
    for position, dtype in enumerate(frame.dtypes.tolist()):
        if _canonical(dtype):  # checked on the dtype: making a Series per column costs more
            continue
        series = frame.iloc[:, position]
        converted = _normalise_column(series)
        if converted is not series:
            out = frame.copy(deep=False) if out is frame else out
            out.isetitem(position, converted)
    names = [str(name).lower() for name in frame.columns]
    if names != list(frame.columns):
        out = frame.copy(deep=False) if out is frame else out
        out.columns = names
    index = out.index
    if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
        out = out.reset_index(drop=True)
    return out


def _canonical(dtype) -> bool:
    # numpy dtypes by hash; comparing one with an extension dtype goes through a slow conversion
    return dtype in _NUMPY_CANONICAL if isinstance(dtype, np.dtype) else dtype == _TEXT


_NUMPY_CANONICAL = frozenset(np.dtype(t) for t in ("int64", "float64", "bool", "datetime64[us]"))
_TEXT = pd.StringDtype(na_value=float("nan"))


def _normalise_column(series: pd.Series) -> pd.Series:
    dtype = series.dtype
    if _canonical(dtype):  # the common case: nothing to convert, nothing to scan
        return series
    if ptypes.is_bool_dtype(dtype):
        return series.astype("boolean" if series.isna().any() else bool)
    if ptypes.is_integer_dtype(dtype):
        return series.astype("Int64" if series.isna().any() else "int64")
    if ptypes.is_float_dtype(dtype):
        return series.astype("float64")
    if isinstance(dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    if ptypes.is_datetime64_any_dtype(dtype):
        return series.astype("datetime64[us]")
    if ptypes.is_string_dtype(dtype) or ptypes.is_object_dtype(dtype):
        return _normalise_objects(series)
    if isinstance(dtype, pd.ArrowDtype):
        return _normalise_column(series.astype(dtype.numpy_dtype))
    return series


def _normalise_objects(series: pd.Series) -> pd.Series:
    first_index = series.first_valid_index()
    if first_index is None:  # empty or all NULL: text, as Athena reports it
        return series.astype("str")
    first = series.at[first_index]
    if isinstance(first, decimal.Decimal):
        return series.astype("float64")
    if isinstance(first, bool):
        return series.astype("boolean" if series.isna().any() else bool)
    if isinstance(first, (dt.date, dt.datetime, pd.Timestamp)):
        return pd.to_datetime(series).astype("datetime64[us]")
    if isinstance(first, str):
        return series.astype("str")
    return series
