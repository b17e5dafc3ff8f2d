"""Stable dtypes: the same query gives the same frame dtypes on every engine and fetch path.

Integers -> int64 (nullable Int64 when NULLs occur), floats and decimals -> float64, booleans ->
bool (nullable boolean with NULLs), dates and timestamps -> naive datetime64[ns] (UTC),
text -> pandas' string dtype.
"""

from __future__ import annotations

import datetime as dt
import decimal

import pandas as pd
from pandas.api import types as ptypes


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Return `frame` with the project's canonical dtypes (column names lower-cased)."""
    columns = {str(name).lower(): _normalise_column(frame.iloc[:, i]) for i, name in enumerate(frame.columns)}
    return pd.DataFrame(columns).reset_index(drop=True) if columns else pd.DataFrame(index=range(len(frame)))


def _canonical(dtype) -> bool:
    return dtype in (_INT64, _FLOAT64, _BOOL, _DATETIME_NS) or dtype == pd.StringDtype(na_value=float("nan"))


_INT64, _FLOAT64, _BOOL, _DATETIME_NS = (pd.api.types.pandas_dtype(t) for t in
                                         ("int64", "float64", "bool", "datetime64[ns]"))


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
        return series.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]")
    if ptypes.is_datetime64_any_dtype(dtype):
        return series.astype("datetime64[ns]")
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
        return pd.to_datetime(series).astype("datetime64[ns]")
    if isinstance(first, str):
        return series.astype("str")
    return series
