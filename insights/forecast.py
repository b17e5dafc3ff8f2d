"""A forecast of a daily count with a prediction interval (ETS with weekly seasonality)."""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

HISTORY_DAYS = 120  # enough weeks for the seasonal pattern; short enough to fit in ~100 ms


def forecast_daily(series: pd.Series, *, horizon: int = 21, coverage: float = 0.8) -> pd.DataFrame:
    """Forecast `horizon` days after a daily count `series` (DatetimeIndex).

    The model is ETS with additive errors, a damped additive trend and additive weekly seasonality,
    fitted on log(1 + y), so the weekly pattern and the interval scale with the level (weekends
    are a fraction of weekdays, not a fixed amount below them).

    Returns:
        A frame with columns day, mean, lower, upper (the `coverage` prediction interval);
        empty when there are fewer than three weeks of history.
    """
    values = series.astype("float64").asfreq("D").fillna(0.0).iloc[-HISTORY_DAYS:]
    if len(values) < 21 or not 0 < coverage < 1:
        return pd.DataFrame(columns=["day", "mean", "lower", "upper"])
    mean, lower, upper = _fit(tuple(values.round(6).tolist()), horizon, coverage)
    days = pd.date_range(values.index[-1] + pd.Timedelta(days=1), periods=horizon, freq="D")
    return pd.DataFrame({"day": days, "mean": mean, "lower": lower, "upper": upper})


@lru_cache(maxsize=256)
def _fit(values: tuple[float, ...], horizon: int, coverage: float) -> tuple[list, list, list]:
    """Memoised on the exact history, so a warm dashboard callback never refits."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(np.log1p(np.asarray(values)))  # a Series: get_prediction needs an index
    model = ETSModel(y, error="add", trend="add", damped_trend=True, seasonal="add", seasonal_periods=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on short, flat series
        fit = model.fit(disp=False)
        frame = fit.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=1 - coverage)
    back = lambda col: np.clip(np.expm1(frame[col].to_numpy()), 0, None).tolist()  # noqa: E731
    return back("mean"), back("pi_lower"), back("pi_upper")
