"""Anomalous days in a daily series, robust to weekly seasonality, trend and outliers.

Each day is compared with the median of the same weekday over the `weeks` weeks before and after
it (a weekend is never compared with a weekday; a level shift lasting a couple of weeks stays a
minority of the window, so it is anomalous for its whole length, while growth and go-lives, which
persist, move the baseline with them). The log ratio to that baseline is scored
against the series' own robust spread (median absolute deviation), so the threshold means the same
on a quiet tenant as on the whole product. A day is flagged when its score passes `threshold` and
it differs from its baseline by at least `min_change` (tiny but "significant" wiggles are noise to
a reader).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

_MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this is its standard deviation
_REPLACE_LOG_RATIO = np.log(1.5)  # a day 50% off its baseline is kept out of the second pass


@dataclass(frozen=True)
class Anomaly:
    day: pd.Timestamp
    value: float
    expected: float
    score: float  # robust z-score of the log ratio; positive = above normal

    @property
    def change(self) -> float:
        return self.value / self.expected - 1 if self.expected else float("inf")


def detect_anomalies(series: pd.Series, *, weeks: int = 3, threshold: float = 3.5, min_change: float = 0.2,
                     min_history: int = 3, direction: str = "both") -> list[Anomaly]:
    """Anomalous days of a daily `series` (DatetimeIndex, one value per day, gaps allowed).

    Args:
        weeks: how many same-weekday values on each side form the baseline.
        threshold: robust z-score a day must pass.
        min_change: relative difference from the baseline a day must also pass.
        min_history: same-weekday values needed before a day can be judged.
        direction: "up", "down" or "both": which departures count (a failure rate falling is
            good news, not an alert).
    Returns:
        The flagged days, oldest first.
    """
    values = series.astype("float64").asfreq("D") if len(series) else series.astype("float64")
    if len(values) < 7 * min_history + 1:
        return []
    logs = np.log(values.clip(lower=_floor(values))).to_numpy()
    baseline = _seasonal_baseline(logs, weeks, min_history)
    residual = logs - baseline
    judged = ~np.isnan(residual)
    if not judged.any():
        return []
    centre = np.median(residual[judged])
    spread = max(_MAD_TO_SIGMA * float(np.median(np.abs(residual[judged] - centre))), 1e-3)
    scores = residual / spread
    out = []
    for i in np.flatnonzero(judged):
        score, value, normal = float(scores[i]), float(values.iloc[i]), float(np.exp(baseline[i]))
        if abs(score) < threshold or normal <= 0 or abs(value / normal - 1) < min_change:
            continue
        if (direction == "up" and score < 0) or (direction == "down" and score > 0):
            continue
        out.append(Anomaly(pd.Timestamp(values.index[i]), value, normal, score))
    return out


def _seasonal_baseline(logs: np.ndarray, weeks: int, min_history: int) -> np.ndarray:
    """Median of the same weekday over the `weeks` weeks either side (only the earlier weeks at the
    end of the series). Two passes: days far from the first baseline are replaced by it before the
    second, so a run of holidays (Christmas, New Year) does not distort the weeks around it."""
    history = logs.copy()
    for _ in range(2):
        lags = [_shift(history, 7 * k) for k in range(1, weeks + 1)]
        lags += [_shift(history, -7 * k) for k in range(1, weeks + 1)]
        stacked = np.vstack(lags)
        enough = (~np.isnan(stacked)).sum(axis=0) >= min_history
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns are dropped below
            baseline = np.where(enough, np.nanmedian(stacked, axis=0), np.nan)
        far = np.abs(logs - baseline) > _REPLACE_LOG_RATIO
        history = np.where(far, baseline, logs)
    return baseline


def _shift(values: np.ndarray, by: int) -> np.ndarray:
    """`values` moved `by` places later (negative: earlier), padded with NaN."""
    out = np.full(len(values), np.nan)
    if by > 0:
        out[by:] = values[:-by]
    else:
        out[:by] = values[-by:]
    return out


def _floor(values: pd.Series) -> float:
    """A small positive floor so that zero days (a rate of 0, a holiday) have a finite log."""
    positive = values[values > 0]
    return float(positive.quantile(0.05)) / 2 if not positive.empty else 1e-6
