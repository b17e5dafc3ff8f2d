"""The semantic catalog: metrics and dimensions defined once, in the product's words.

Explore builds its SQL from these entries (see `queries.explore`). To add a metric, add one
`Metric(...)` line to METRICS: its expression is Athena SQL over one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sqlglot
import sqlglot.expressions as exp

from queries.dialect import SOURCE_DIALECT


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    table: str  # the fact table the expression aggregates: interactions or clinical_notes
    sql: str  # an aggregate expression in Athena SQL over that table's columns
    format: str = "number"  # number | percent | ms | usd

    @cached_property
    def expression(self) -> exp.Expression:
        return sqlglot.parse_one(self.sql, read=SOURCE_DIALECT)


@dataclass(frozen=True)
class Dimension:
    name: str
    label: str
    # Fact table -> the column (or expression) that gives this dimension on that table. A table
    # missing here reaches the dimension through a join (see `JOINS`).
    columns: dict[str, str]

    def column_for(self, table: str) -> str | None:
        return self.columns.get(table)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("interactions", "Interactions", "interactions", "count(*)"),
        Metric("active_clinicians", "Active clinicians", "interactions", "count(DISTINCT clinician_id)"),
        Metric("failure_rate", "Failure rate", "interactions",
               "CAST(count_if(status = 'failed') AS double) / nullif(count(*), 0)", "percent"),
        Metric("p50_latency_ms", "p50 AI latency", "interactions", "approx_percentile(ai_latency_ms, 0.5)", "ms"),
        Metric("p95_latency_ms", "p95 AI latency", "interactions", "approx_percentile(ai_latency_ms, 0.95)", "ms"),
        Metric("tokens", "Tokens", "interactions", "sum(tokens_in + tokens_out)"),
        Metric("cost_usd", "AI cost", "interactions", "sum(cost_usd)", "usd"),
        Metric("notes_drafted", "Notes drafted", "clinical_notes", "count(*)"),
        Metric("ai_drafted_share", "AI-drafted share", "clinical_notes",
               "CAST(count_if(ai_generated) AS double) / nullif(count(*), 0)", "percent"),
        Metric("acceptance_rate", "AI note acceptance", "clinical_notes",
               "CAST(count_if(ai_generated AND accepted) AS double) / nullif(count_if(ai_generated), 0)", "percent"),
        Metric("avg_edit_ratio", "Average edit ratio", "clinical_notes", "avg(edit_ratio)", "percent"),
    )
}

DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("tenant", "Tenant", {"interactions": "tenant_id", "clinical_notes": "tenant_id"}),
        Dimension("channel", "Channel", {"interactions": "channel"}),
        Dimension("interaction_type", "Interaction type", {"interactions": "interaction_type"}),
        Dimension("model_version", "Model version", {"interactions": "model_version"}),
        Dimension("status", "Status", {"interactions": "status"}),
        Dimension("specialty", "Specialty", {"clinical_notes": "specialty", "clinicians": "specialty"}),
        Dimension("note_type", "Note type", {"clinical_notes": "note_type"}),
    )
}

# How a fact table reaches a table holding a dimension it lacks: the join key. Notes reach the
# interaction's attributes through interaction_id; interactions reach the clinician's specialty.
# The joined table is scoped like any other, date range included: a note whose interaction fell
# before the period (a late-night session) shows no channel.
JOIN_KEYS: dict[tuple[str, str], str] = {
    ("clinical_notes", "interactions"): "interaction_id",
    ("interactions", "clinicians"): "clinician_id",
}

# Each fact table's event time, for the time dimension.
TIME_COLUMNS = {"interactions": "started_at", "clinical_notes": "created_at"}
TIME_GRAINS = ("day", "week", "month", "quarter")
