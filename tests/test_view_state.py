"""Filter state <-> URL: round trips, defaults, and bad input falling back with a message."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

from components.view_state import DEFAULT_PRESET, from_query, preset_range

ANCHOR = dt.date(2026, 11, 22)


def _query(qs: str) -> dict:
    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(urlparse(qs).query).items()}


def test_vs001_default_view_has_a_clean_url():
    state, messages = from_query({}, ANCHOR)
    assert messages == []
    assert state.preset == DEFAULT_PRESET and state.end == ANCHOR
    assert state.query_string() == ""


def test_vs002_round_trip():
    state, _ = from_query(
        {"range": "custom", "start": "2026-03-01", "end": "2026-03-31", "channel": ["web", "mobile"], "tenant": "t03"},
        ANCHOR,
    )
    again, messages = from_query(_query(state.query_string()), ANCHOR)
    assert again == state and messages == []
    assert again.channels == ("web", "mobile") and again.tenants == ("t03",)


def test_vs003_reversed_and_invalid_dates_fall_back_with_a_message():
    state, messages = from_query({"range": "custom", "start": "2026-03-31", "end": "2026-03-01"}, ANCHOR)
    assert state.preset == DEFAULT_PRESET and "before the start date" in messages[0]
    state, messages = from_query({"range": "custom", "start": "yesterday", "end": "2026-13-45"}, ANCHOR)
    assert state.preset == DEFAULT_PRESET and "valid start and end dates" in messages[0]


def test_vs004_unknown_values_are_ignored_with_a_message():
    state, messages = from_query({"range": "fortnight", "channel": ["web", "fax<script>"], "tenant": "'; DROP"}, ANCHOR)
    assert state.preset == DEFAULT_PRESET
    assert state.channels == ("web",) and state.tenants == ()
    assert len(messages) == 3


def test_vs005_presets():
    assert preset_range("7d", ANCHOR) == (dt.date(2026, 11, 16), ANCHOR)
    assert preset_range("qtd", ANCHOR) == (dt.date(2026, 10, 1), ANCHOR)
    assert preset_range("12m", ANCHOR)[0] == dt.date(2025, 11, 23)
