"""Insights: anomalies (against the generator's injected truths), forecasts and sentences."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from demo.generate import read_manifest
from insights import anomaly_sentence, detect_anomalies, forecast_daily, rollout_sentence, top_mover_sentence
from insights.anomalies import Anomaly
from queries import Filters, Principal
from tests.conftest import END_DATE

ADMIN = Principal("a", "admin", None)
YEAR = Filters(END_DATE - dt.timedelta(days=364), END_DATE)
MAX_FALSE_DAYS = 5  # "no more than a handful of false days over the year", per series


@pytest.fixture(scope="module")
def daily(demo_data, tmp_path_factory) -> pd.DataFrame:
    """The Overview's daily series over the year, through the real query."""
    from queries.service import build_service
    from settings import Settings

    service = build_service(Settings(data_dir=demo_data, cache_dir=tmp_path_factory.mktemp("ins-cache")))
    frame = service.run("overview_daily", ADMIN, filters=YEAR)
    return frame.set_index(pd.to_datetime(frame["day"]))


@pytest.fixture(scope="module")
def truths(demo_data) -> dict:
    return read_manifest(demo_data)


def _days(found: list[Anomaly]) -> set[pd.Timestamp]:
    return {a.day for a in found}


def test_ins001_outage_day_is_the_failure_rate_anomaly(daily, truths):
    outage = pd.Timestamp(truths["outage"]["date"])
    found = detect_anomalies(daily["failure_rate"], direction="up")
    assert outage in _days(found)
    assert len(_days(found) - {outage}) <= MAX_FALSE_DAYS
    worst = max(found, key=lambda a: a.score)
    assert worst.day == outage and worst.value > 5 * worst.expected


def test_ins002_rollout_regression_is_flagged_for_its_length(daily, truths):
    regression = truths["latency_regression"]
    window = set(pd.date_range(regression["start"], regression["end"]))
    outage = pd.Timestamp(truths["outage"]["date"])  # failing requests are slow too: a true anomaly
    found = _days(detect_anomalies(daily["p95_latency_ms"], direction="up"))
    # The first two days are the rollout's ramp (two versions share traffic); the rest must show.
    assert len(found & window) >= len(window) - 3
    assert len(found - window - {outage}) <= MAX_FALSE_DAYS


def test_ins003_volume_anomalies_are_the_holidays(daily, truths):
    holidays = {pd.Timestamp(d) for d in truths["holidays"]}
    in_range = {h for h in holidays if daily.index.min() <= h <= daily.index.max()}
    found = detect_anomalies(daily["interactions"])
    assert in_range <= _days(found)
    assert all(a.value < a.expected for a in found if a.day in holidays)
    assert len(_days(found) - holidays) <= MAX_FALSE_DAYS


def _seasonal(days: int = 140, seed: int = 3) -> pd.Series:
    rng = np.random.default_rng(seed)
    index = pd.date_range("2026-01-05", periods=days, freq="D")  # a Monday
    weekly = np.array([1.0, 1.0, 1.0, 1.0, 0.95, 0.3, 0.25])
    level = 1000 * (1 + 0.002 * np.arange(days)) * weekly[index.day_of_week]
    return pd.Series(rng.poisson(level).astype(float), index=index)


def test_ins004_weekends_are_not_anomalies_but_a_weekday_drop_is():
    series = _seasonal()
    assert detect_anomalies(series) == []
    dipped = series.copy()
    dipped.iloc[72] *= 0.5  # a Thursday at half volume
    found = detect_anomalies(dipped)
    assert [a.day for a in found] == [series.index[72]]
    assert found[0].change == pytest.approx(-0.5, abs=0.05)
    assert detect_anomalies(dipped, direction="up") == []


def test_ins005_short_or_empty_series_have_no_anomalies():
    assert detect_anomalies(pd.Series(dtype=float)) == []
    assert detect_anomalies(_seasonal(days=14)) == []


def test_ins006_forecast_has_the_horizon_the_weekly_shape_and_a_band():
    series = _seasonal()
    forecast = forecast_daily(series, horizon=21)
    assert len(forecast) == 21
    assert forecast["day"].iloc[0] == series.index[-1] + pd.Timedelta(days=1)
    assert (forecast["lower"] <= forecast["mean"]).all() and (forecast["mean"] <= forecast["upper"]).all()
    by_weekday = forecast.groupby(forecast["day"].dt.day_of_week)["mean"].mean()
    assert by_weekday[[5, 6]].max() < 0.5 * by_weekday[[0, 1, 2, 3]].min()
    recent_weekdays = series[-14:][series.index[-14:].day_of_week < 4].mean()
    assert by_weekday[[0, 1, 2, 3]].mean() == pytest.approx(recent_weekdays, rel=0.15)
    assert forecast_daily(series[:10]).empty


def test_ins007_sentences_read_as_the_product_talks():
    outage = Anomaly(pd.Timestamp("2026-09-09"), 0.31, 0.03, 40.0)
    assert anomaly_sentence("Failure rate", outage, lambda v: f"{v:.0%}") == \
        "Failure rate rose to 31% on Sep 9 (normally 3%)"
    index = pd.date_range("2026-09-01", periods=40, freq="D")
    p95 = pd.Series(np.where(index < pd.Timestamp("2026-09-23"), 6000.0, 8520.0), index=index)
    assert rollout_sentence("p95 latency", p95, "v2.4", pd.Timestamp("2026-09-23")) == \
        "p95 latency up 42% since model v2.4 rollout (Sep 23)"
    assert rollout_sentence("p95 latency", p95, "v2.2", pd.Timestamp("2026-09-05")) is None
    days = pd.date_range("2026-11-09", periods=14, freq="D")
    mix = pd.DataFrame({"day": list(days) * 2, "channel": ["web"] * 14 + ["ehr_plugin"] * 14,
                        "interactions": [100] * 14 + [100] * 7 + [118] * 7})
    assert top_mover_sentence(mix, dimension="channel", value="interactions") == \
        "Top mover: ehr_plugin +18% week over week"
    assert top_mover_sentence(mix.iloc[:0], dimension="channel", value="interactions") is None
