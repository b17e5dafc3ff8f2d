"""A dashboard view's filter state, and its round trip through the URL query string.

Values from a URL (or a hand-crafted callback payload) arrive as strings, lists or junk: they are
validated here, and anything invalid falls back to the default with a message saying so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from queries import Filters
from queries.tables import CHANNELS, INTERACTION_TYPES, SPECIALTIES

PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "qtd": "Quarter to date",
    "12m": "Last 12 months",
    "custom": "Custom range",
}
DEFAULT_PRESET = "30d"
COMPARISONS = {"previous": "Previous period", "last_year": "Same period last year"}
DEFAULT_COMPARISON = "previous"
_TENANT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MODEL_VERSION = re.compile(r"^[A-Za-z0-9._-]{1,32}$")
_MAX_VALUES = 50


@dataclass(frozen=True)
class ViewState:
    preset: str
    start: dt.date
    end: dt.date
    channels: tuple[str, ...] = ()
    tenants: tuple[str, ...] = ()
    compare: str = DEFAULT_COMPARISON
    interaction_types: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    model_versions: tuple[str, ...] = ()

    def filters(self) -> Filters:
        return Filters(start=self.start, end=self.end, channels=self.channels, tenants=self.tenants,
                       interaction_types=self.interaction_types, specialties=self.specialties,
                       model_versions=self.model_versions)

    def comparison_filters(self) -> Filters:
        """The period the KPI changes are measured against."""
        current = self.filters()
        return current.same_period_last_year() if self.compare == "last_year" else current.previous_period()

    def query_string(self) -> str:
        """Canonical `?a=b` form: defaults left out, so a default view has a clean URL."""
        pairs: list[tuple[str, str]] = []
        if self.preset != DEFAULT_PRESET:
            pairs.append(("range", self.preset))
        if self.preset == "custom":
            pairs += [("start", self.start.isoformat()), ("end", self.end.isoformat())]
        if self.compare != DEFAULT_COMPARISON:
            pairs.append(("compare", self.compare))
        pairs += [("channel", c) for c in self.channels]
        pairs += [("type", t) for t in self.interaction_types]
        pairs += [("specialty", s) for s in self.specialties]
        pairs += [("model", m) for m in self.model_versions]
        pairs += [("tenant", t) for t in self.tenants]
        return "?" + urlencode(pairs) if pairs else ""


def preset_range(preset: str, anchor: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a preset covers, ending on `anchor` (the last day with data)."""
    if preset == "qtd":
        return dt.date(anchor.year, 3 * ((anchor.month - 1) // 3) + 1, 1), anchor
    days = {"7d": 7, "30d": 30, "90d": 90, "12m": 365}[preset]
    return anchor - dt.timedelta(days=days - 1), anchor


def from_query(query: Mapping[str, Any], anchor: dt.date) -> tuple[ViewState, list[str]]:
    """Parse a URL query (`layout(**query)` keyword arguments) into a state plus warnings."""
    return from_values(
        preset=_one(query.get("range")),
        start=_one(query.get("start")),
        end=_one(query.get("end")),
        channels=query.get("channel"),
        tenants=query.get("tenant"),
        compare=_one(query.get("compare")),
        interaction_types=query.get("type"),
        specialties=query.get("specialty"),
        model_versions=query.get("model"),
        anchor=anchor,
    )


def from_values(*, preset, start, end, channels, tenants, anchor: dt.date, compare=None,
                interaction_types=None, specialties=None, model_versions=None) -> tuple[ViewState, list[str]]:
    """Validate raw control values; invalid parts fall back to defaults, with a message each."""
    messages: list[str] = []
    if preset in (None, ""):
        preset = DEFAULT_PRESET
    if not isinstance(preset, str) or preset not in PRESETS:
        messages.append(f"Unknown date range {str(preset)[:40]!r}; showing {PRESETS[DEFAULT_PRESET]}.")
        preset = DEFAULT_PRESET
    if preset == "custom":
        start_day, end_day = _date(start), _date(end)
        if start_day is None or end_day is None:
            messages.append("The custom range needs valid start and end dates (YYYY-MM-DD); "
                            f"showing {PRESETS[DEFAULT_PRESET]}.")
            preset = DEFAULT_PRESET
        elif end_day < start_day:
            messages.append(f"The end date {end_day} is before the start date {start_day}; "
                            f"showing {PRESETS[DEFAULT_PRESET]}.")
            preset = DEFAULT_PRESET
    if preset != "custom":
        start_day, end_day = preset_range(preset, anchor)
    chosen_channels = parse_choices(channels, "channel", lambda c: c in CHANNELS, messages)
    chosen_tenants = parse_choices(tenants, "tenant", lambda t: bool(_TENANT_ID.match(t)), messages)
    if compare in (None, ""):
        compare = DEFAULT_COMPARISON
    if not isinstance(compare, str) or compare not in COMPARISONS:
        messages.append(f"Unknown comparison {str(compare)[:40]!r}; comparing with the previous period.")
        compare = DEFAULT_COMPARISON
    return ViewState(
        preset, start_day, end_day, chosen_channels, chosen_tenants, compare,
        parse_choices(interaction_types, "interaction type", lambda t: t in INTERACTION_TYPES, messages),
        parse_choices(specialties, "specialty", lambda s: s in SPECIALTIES, messages),
        parse_choices(model_versions, "model version", lambda m: bool(_MODEL_VERSION.match(m)), messages),
    ), messages


def _one(value: Any) -> Any:
    """A repeated query key arrives as a list; a single-valued filter keeps the first."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_day(value: Any, label: str, messages: list[str]) -> dt.date | None:
    """An optional ISO date from a URL or a control; an invalid one is ignored with a message."""
    if value in (None, ""):
        return None
    day = _date(value)
    if day is None:
        messages.append(f"Ignored the invalid {label} date {str(value)[:20]!r}.")
    return day


def parse_choices(raw: Any, label: str, valid, messages: list[str]) -> tuple[str, ...]:
    """The distinct values of `raw` (one value or a list) that pass `valid`; the rest are named in
    a message. At most 50 are kept."""
    if raw in (None, "", []):
        return ()
    items = raw if isinstance(raw, list) else [raw]
    good = [v for v in items if isinstance(v, str) and valid(v)]
    bad = [v for v in items if not (isinstance(v, str) and valid(v))]
    if bad:
        shown = ", ".join(repr(str(b)[:40]) for b in bad[:3])
        messages.append(f"Ignored unknown {label} value(s): {shown}.")
    return tuple(dict.fromkeys(good))[:_MAX_VALUES]
