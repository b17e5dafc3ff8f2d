"""Component builders: formatting and figures built from frames."""

from __future__ import annotations

import json

import pandas as pd
import plotly.io as pio

from components import format as fmt
from components.figures import breakdown_figure, trend_figure
from components.kpi import kpi_card


def test_cmpt001_number_formats():
    assert fmt.number(9_999) == "9,999"
    assert fmt.number(240_113) == "240.1k"
    assert fmt.number(2_000_000) == "2.0M"
    assert fmt.number(None) == "–"
    assert fmt.percent(0.0312) == "3.1%"
    assert fmt.usd(3023) == "$3,023.00" and fmt.usd(30230) == "$30.2k"
    assert fmt.milliseconds(5906.4) == "5,906 ms"


def test_cmpt002_change_against_previous():
    assert fmt.change(110, 100) == 0.10000000000000009
    assert fmt.change(1, 0) is None and fmt.change(None, 1) is None


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json(), ensure_ascii=False)


def test_cmpt003_kpi_card_direction():
    text = _text(kpi_card("Failure rate", "3%", 0.2, higher_is_better=False))
    assert "kpi-bad" in text and "▲ 20.0%" in text
    assert "kpi-good" in _text(kpi_card("Interactions", "3", 0.2))
    assert "no comparison" in _text(kpi_card("x", "1", None))


def test_cmpt004_figures_are_valid_plotly_and_small():
    days = pd.date_range("2026-01-01", periods=365)
    daily = pd.DataFrame({"day": days, "interactions": range(365), "failure_rate": [0.03] * 365})
    fig = trend_figure(daily)
    pio.from_json(json.dumps(fig))  # raises if plotly rejects the dict
    assert fig["data"][0]["x"][0] == "2026-01-01" and len(fig["data"][0]["y"]) == 365
    assert len(json.dumps(fig)) < 150_000
    mix = pd.DataFrame({"t": ["a", "a", "b"], "c": ["web", "mobile", "web"], "n": [1, 2, 3]})
    bars = breakdown_figure(mix, category="t", series="c", value="n")
    pio.from_json(json.dumps(bars))
    by_series = {trace["name"]: trace["x"] for trace in bars["data"]}
    assert by_series == {"mobile": [2, 0], "web": [1, 3]}
