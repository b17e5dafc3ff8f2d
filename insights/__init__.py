"""Insights on daily series: anomalies, forecasts and plain-language sentences.

Pure functions on pandas frames and series; they know nothing of Dash or SQL.
"""

from insights.anomalies import Anomaly, detect_anomalies
from insights.forecast import forecast_daily
from insights.sentences import anomaly_sentence, rollout_sentence, top_mover_sentence

__all__ = [
    "Anomaly",
    "anomaly_sentence",
    "detect_anomalies",
    "forecast_daily",
    "rollout_sentence",
    "top_mover_sentence",
]
