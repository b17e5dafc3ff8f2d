"""The filters a page applies: a date range plus dimension values.

They are applied by the guard to base tables (see `queries.guard`), so named SQL never repeats
`WHERE channel IN (...)` and every query, named or ad hoc, filters the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

# Filter name -> the column it restricts, on every table that has that column.
DIMENSION_COLUMNS = {
    "channels": "channel",
    "interaction_types": "interaction_type",
    "specialties": "specialty",
    "model_versions": "model_version",
}


@dataclass(frozen=True)
class Filters:
    """Rows to keep: `start`..`end` inclusive (by partition day) and dimension values.

    An empty dimension tuple means "all".
    """

    start: dt.date
    end: dt.date
    channels: tuple[str, ...] = ()
    interaction_types: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    model_versions: tuple[str, ...] = ()
    tenants: tuple[str, ...] = field(default=())  # a narrowing inside the principal's tenants

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the end date is before the start date")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_period(self) -> Filters:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return replace(self, start=end - dt.timedelta(days=self.days - 1), end=end)

    def same_period_last_year(self) -> Filters:
        return replace(self, start=_year_earlier(self.start), end=_year_earlier(self.end))

    def dimension_values(self) -> dict[str, tuple[str, ...]]:
        """Column -> allowed values, for the dimensions that are set."""
        return {col: getattr(self, f) for f, col in DIMENSION_COLUMNS.items() if getattr(self, f)}


def _year_earlier(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
