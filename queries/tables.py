"""The data model: the four tables every engine serves, with their Athena types.

One description feeds the demo generator (Parquet schemas), the Athena DDL, the DuckDB views and
the query guard (which tables exist, which columns a filter can apply to).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Athena type name -> Arrow type used in the Parquet files. Timestamps are naive UTC in
# milliseconds: Athena's `timestamp` and DuckDB's TIMESTAMP both read that without a time zone.
_ARROW = {
    "varchar": pa.string(),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "tinyint": pa.int8(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("ms"),
}


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, Athena type); partition column excluded
    # Hive partitions dt=YYYY-MM-DD (string): the UTC day of `time_column`, which date filters and
    # the drill-down grid's paging rely on to read only the days they need.
    partitioned: bool = False
    time_column: str | None = None  # the event time a date-range filter applies to

    @property
    def column_names(self) -> tuple[str, ...]:
        names = tuple(c for c, _ in self.columns)
        return names + ("dt",) if self.partitioned else names

    def arrow_schema(self) -> pa.Schema:
        """Schema of the Parquet files (without the partition column, as Hive layouts store it)."""
        return pa.schema([(c, _ARROW[t]) for c, t in self.columns])

    def athena_types(self) -> dict[str, str]:
        types = dict(self.columns)
        if self.partitioned:
            types["dt"] = "varchar"
        return types


TENANTS = Table(
    "tenants",
    (
        ("tenant_id", "varchar"),
        ("name", "varchar"),
        ("region", "varchar"),
        ("plan", "varchar"),
        ("go_live_date", "date"),
    ),
)

CLINICIANS = Table(
    "clinicians",
    (
        ("clinician_id", "bigint"),
        ("tenant_id", "varchar"),
        ("specialty", "varchar"),
        ("role", "varchar"),
        ("signup_date", "date"),
    ),
)

INTERACTIONS = Table(
    "interactions",
    (
        ("interaction_id", "bigint"),
        ("tenant_id", "varchar"),
        ("clinician_id", "bigint"),
        ("patient_id", "varchar"),
        ("started_at", "timestamp"),
        ("channel", "varchar"),
        ("interaction_type", "varchar"),
        ("duration_sec", "int"),
        ("model_version", "varchar"),
        ("ai_latency_ms", "int"),
        ("tokens_in", "int"),
        ("tokens_out", "int"),
        ("cost_usd", "double"),
        ("status", "varchar"),
        ("feedback_rating", "tinyint"),
    ),
    partitioned=True,
    time_column="started_at",
)

CLINICAL_NOTES = Table(
    "clinical_notes",
    (
        ("note_id", "bigint"),
        ("interaction_id", "bigint"),
        ("tenant_id", "varchar"),
        ("clinician_id", "bigint"),
        ("patient_id", "varchar"),
        ("note_type", "varchar"),
        ("specialty", "varchar"),
        ("created_at", "timestamp"),
        ("word_count", "int"),
        ("ai_generated", "boolean"),
        ("edit_ratio", "double"),
        ("accepted", "boolean"),
        ("time_to_sign_min", "double"),
    ),
    partitioned=True,
    time_column="created_at",
)

TABLES: dict[str, Table] = {t.name: t for t in (TENANTS, CLINICIANS, INTERACTIONS, CLINICAL_NOTES)}

# Value domains, shared by the generator and the filter bar.
CHANNELS = ("web", "mobile", "ehr_plugin")
INTERACTION_TYPES = ("ambient_scribe", "chart_summary", "patient_message", "coding_assist")
STATUSES = ("completed", "failed", "abandoned")
PLANS = ("basic", "pro", "enterprise")
CLINICIAN_ROLES = ("physician", "nurse_practitioner", "physician_assistant")
NOTE_TYPES = ("soap", "progress", "h_and_p", "discharge", "referral")
SPECIALTIES = (
    "family_medicine",
    "internal_medicine",
    "pediatrics",
    "cardiology",
    "orthopedics",
    "psychiatry",
    "emergency_medicine",
    "dermatology",
)
