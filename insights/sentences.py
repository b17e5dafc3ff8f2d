"""Plain-language insight sentences from daily series and anomalies."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from insights.anomalies import Anomaly

Formatter = Callable[[float], str]


def _day(day: pd.Timestamp) -> str:
    return f"{day:%b} {day.day}"


def anomaly_sentence(label: str, anomaly: Anomaly, fmt: Formatter) -> str:
    """'Failure rate rose to 31% on Sep 9 (normally 3%)'."""
    verb = "rose to" if anomaly.value > anomaly.expected else "fell to"
    return f"{label} {verb} {fmt(anomaly.value)} on {_day(anomaly.day)} (normally {fmt(anomaly.expected)})"


def rollout_sentence(label: str, daily: pd.Series, version: str, rollout_day: pd.Timestamp, *,
                     before_days: int = 14, after_days: int = 14, min_change: float = 0.05) -> str | None:
    """'p95 latency up 42% since model v2.4 rollout (Sep 23)', from the median of the days after the
    rollout against the median of the days before it; None when either side has no data or the
    change is too small to mention."""
    rollout_day = pd.Timestamp(rollout_day)
    before = daily[(daily.index < rollout_day) & (daily.index >= rollout_day - pd.Timedelta(days=before_days))]
    after = daily[(daily.index >= rollout_day) & (daily.index < rollout_day + pd.Timedelta(days=after_days))]
    if before.dropna().empty or after.dropna().empty or float(before.median()) == 0:
        return None
    change = float(after.median()) / float(before.median()) - 1
    if abs(change) < min_change:
        return None
    direction = "up" if change > 0 else "down"
    return f"{label} {direction} {abs(change):.0%} since model {version} rollout ({_day(rollout_day)})"


def top_mover_sentence(frame: pd.DataFrame, *, dimension: str, value: str, day: str = "day") -> str | None:
    """'Top mover: ehr_plugin +18% week over week': the value of `dimension` whose total over the
    last 7 days changed most against the 7 days before (by relative change, among values with data
    in both weeks)."""
    if frame.empty:
        return None
    days = pd.to_datetime(frame[day])
    last = days.max()
    this_week = frame[days > last - pd.Timedelta(days=7)].groupby(dimension)[value].sum()
    prior = frame[(days <= last - pd.Timedelta(days=7)) & (days > last - pd.Timedelta(days=14))]
    prior_week = prior.groupby(dimension)[value].sum()
    both = pd.concat([this_week.rename("now"), prior_week.rename("before")], axis=1).dropna()
    both = both[both["before"] > 0]
    if both.empty:
        return None
    change = both["now"] / both["before"] - 1
    mover = change.abs().idxmax()
    return f"Top mover: {mover} {change[mover]:+.0%} week over week"
