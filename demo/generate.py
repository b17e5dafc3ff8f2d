"""Generate the demo dataset: a year of healthcare-AI product usage with known, injected truths.

Layout (Hive style, the same objects Athena reads from S3):

    <out>/tenants/tenants.parquet
    <out>/clinicians/clinicians.parquet
    <out>/interactions/dt=YYYY-MM-DD/part-0.parquet      one file per day, dt only in the path
    <out>/clinical_notes/dt=YYYY-MM-DD/part-0.parquet
    <out>/athena_ddl.sql
    <out>/manifest.json                                  written last

Everything comes from one numpy Generator seeded from `seed`, so a seed and the arguments fix the
bytes of every Parquet file. The truths the dashboard and tests look for (weekly seasonality,
growth, go-lives, model rollouts with a latency regression and its fix, an outage day, holiday
dips) are placed relative to `end_date` and recorded in the manifest.

CLI: python -m demo.generate --out var/data --seed 7 --scale 1 --end-date 2026-11-22 --days 365
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from demo.ddl import athena_ddl
from queries.tables import (
    CHANNELS,
    CLINICAL_NOTES,
    CLINICIAN_ROLES,
    CLINICIANS,
    INTERACTION_TYPES,
    INTERACTIONS,
    NOTE_TYPES,
    SPECIALTIES,
    STATUSES,
    TENANTS,
)

GENERATOR_VERSION = "1.0.0"
DEFAULT_S3_LOCATION = "s3://ai-product-demo/warehouse"
MANIFEST_NAME = "manifest.json"
DDL_NAME = "athena_ddl.sql"
MIN_DAYS = 90  # room for the rollouts (end-60, end-46) and the outage before them

INTERACTIONS_PER_YEAR = 2_000_000  # at scale 1
CLINICIANS_AT_SCALE_1 = 2_500
PATIENTS_AT_SCALE_1 = 700_000

# Injected truths (the manifest records them).
WEEKDAY_FACTORS = np.array([1.06, 1.03, 1.00, 0.99, 0.92, 0.30, 0.25])  # Monday first
WEEKEND_FACTOR = round(float(WEEKDAY_FACTORS[5:].mean() / WEEKDAY_FACTORS[:5].mean()), 3)
HOLIDAY_FACTOR = 0.35  # share of a normal day of the same weekday
GROWTH = 0.65  # volume at end_date is 1 + GROWTH times the volume at the start, go-lives aside
NORMAL_FAILURE_RATE = 0.03
OUTAGE_FAILURE_RATE = 0.30
OUTAGE_DAYS_BEFORE_END = 100
ABANDON_RATE = 0.05
FEEDBACK_RATE = 0.15
GO_LIVE_RAMP_DAYS = 28  # a tenant goes from 10% to full volume over four weeks

_DAY_MS = 86_400_000
_EPOCH = date(1970, 1, 1)
_INTERACTION_ID_BASE = 1_000_000_000
_NOTE_ID_BASE = 5_000_000_000
_CLINICIAN_ID_BASE = 10_001


@dataclass(frozen=True)
class TenantSpec:
    tenant_id: str
    name: str
    region: str
    plan: str
    size: float  # relative volume and headcount
    go_live: float  # fraction of the window after its start; negative = live before the window
    focus: str | None  # specialty a single-specialty practice concentrates on


TENANT_SPECS = (
    TenantSpec("t01", "Northwind Health System", "us-east", "enterprise", 3.2, -1.10, None),
    TenantSpec("t02", "Cascade Medical Group", "us-west", "enterprise", 2.6, -0.70, None),
    TenantSpec("t03", "Prairie Family Clinics", "us-central", "pro", 1.3, -0.35, "family_medicine"),
    TenantSpec("t04", "Harborview Pediatrics", "us-east", "basic", 0.6, -0.08, "pediatrics"),
    TenantSpec("t05", "Summit Orthopedic Partners", "us-west", "pro", 1.0, 0.08, "orthopedics"),
    TenantSpec("t06", "Thames Valley Care Partnership", "eu-west", "enterprise", 2.4, 0.18, None),
    TenantSpec(
        "t07", "Bluebonnet Community Health", "us-central", "pro", 1.2, 0.30, "internal_medicine"
    ),
    TenantSpec(
        "t08", "Lakeshore Cardiology Associates", "us-central", "pro", 0.9, 0.42, "cardiology"
    ),
    TenantSpec("t09", "Evergreen Behavioral Health", "us-west", "basic", 0.5, 0.53, "psychiatry"),
    TenantSpec(
        "t10", "Atlantic Coast Urgent Care", "us-east", "pro", 0.9, 0.64, "emergency_medicine"
    ),
    TenantSpec(
        "t11", "Liffey Primary Care Network", "eu-west", "basic", 0.6, 0.75, "family_medicine"
    ),
    TenantSpec("t12", "Red Rock Dermatology", "us-west", "basic", 0.4, 0.85, "dermatology"),
)


@dataclass(frozen=True)
class ModelVersion:
    name: str
    days_before_end: int | None  # rollout day; None = already serving when any window starts
    ramp_days: int  # extra days over which traffic shifts to it (0 = all at once)
    latency_factor: float
    price_in_per_1k: float  # USD per 1k input tokens
    price_out_per_1k: float
    edit_ratio_mean: float  # clinicians edit drafts of newer models less


MODEL_VERSIONS = (
    ModelVersion("v2.2", None, 0, 1.12, 0.0030, 0.0150, 0.30),
    ModelVersion("v2.3", 200, 2, 1.00, 0.0025, 0.0125, 0.25),
    ModelVersion("v2.4", 60, 2, 1.50, 0.0020, 0.0100, 0.21),  # ships a latency regression
    ModelVersion("v2.4.1", 46, 0, 0.95, 0.0020, 0.0100, 0.19),  # hotfix, switched at once
)
REGRESSED_VERSION = "v2.4"
FIX_VERSION = "v2.4.1"
_VERSION_NAMES = [m.name for m in MODEL_VERSIONS]
_LATENCY_FACTOR = np.array([m.latency_factor for m in MODEL_VERSIONS])
_PRICE_IN = np.array([m.price_in_per_1k for m in MODEL_VERSIONS])
_PRICE_OUT = np.array([m.price_out_per_1k for m in MODEL_VERSIONS])
_EDIT_RATIO_MEAN = np.array([m.edit_ratio_mean for m in MODEL_VERSIONS])

# Per interaction type, in INTERACTION_TYPES order:
# ambient_scribe, chart_summary, patient_message, coding_assist.
_TYPE_MIX = np.array([0.44, 0.21, 0.20, 0.15])
_DURATION_MEDIAN_S = np.array([840.0, 75.0, 110.0, 35.0])
_DURATION_SIGMA = np.array([0.45, 0.55, 0.60, 0.70])
_TOKENS_IN_MEDIAN = np.array([0.0, 9000.0, 700.0, 1400.0])  # ambient: from the visit length
_TOKENS_OUT_MEDIAN = np.array([750.0, 420.0, 180.0, 60.0])
_LATENCY_MEDIAN_MS = np.array([3800.0, 2600.0, 1100.0, 450.0])
_AMBIENT_PROMPT_TOKENS = 800.0
_AMBIENT_TOKENS_PER_S = 3.3  # transcript tokens per second of conversation
_CHANNEL_MIX = np.array([0.33, 0.20, 0.47])  # web, mobile, ehr_plugin
_ROLE_MIX = np.array([0.64, 0.22, 0.14])
_ROLE_ACTIVITY = np.array([1.0, 0.85, 0.8])
_BROAD_SPECIALTY_MIX = np.array([0.22, 0.20, 0.10, 0.08, 0.08, 0.10, 0.12, 0.10])
# Feedback 1..5: happy users rate high, failed or abandoned sessions low.
_RATING_OK = np.array([0.03, 0.05, 0.12, 0.33, 0.47])
_RATING_BAD = np.array([0.35, 0.25, 0.20, 0.12, 0.08])

# UTC hour-of-day profile: peaks mid-morning and early afternoon, a lunch dip, quiet nights.
_HOURLY = np.concatenate(
    [
        [0.3, 0.2, 0.15, 0.15, 0.2, 0.5, 1.5, 4.0, 7.5, 9.5, 10.0, 9.0],  # 00-11 h
        [6.5, 8.5, 9.0, 8.0, 6.0, 4.0, 2.5, 1.8, 1.3, 1.0, 0.7, 0.5],  # 12-23 h
    ]
)
_HOURLY_P = _HOURLY / _HOURLY.sum()

# Notes: which interactions produce one, of which type, how long.
_NOTE_SHARE = {"ambient_scribe": 0.97, "chart_summary": 0.35}
_NOTE_MIX_AMBIENT = np.array([0.45, 0.30, 0.12, 0.05, 0.08])  # in NOTE_TYPES order
_NOTE_MIX_SUMMARY = np.array([0.00, 0.35, 0.10, 0.35, 0.20])
_WORDS_MEDIAN = np.array([420.0, 330.0, 880.0, 690.0, 240.0])
_AMBIENT = INTERACTION_TYPES.index("ambient_scribe")
_AI_GENERATED_RATE = 0.965


# ---------------------------------------------------------------------------- the calendar


@dataclass(frozen=True)
class Timeline:
    """The window and the dated events placed in it (all day indices count from `start`)."""

    start: date
    end: date
    days: int
    holidays: tuple[date, ...]
    outage: date
    version_shares: np.ndarray  # days x len(MODEL_VERSIONS): traffic share of each version

    def day(self, index: int) -> date:
        return self.start + timedelta(days=int(index))


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of a month; n = -1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def us_holidays(start: date, end: date) -> list[date]:
    """New Year's Day, Memorial Day, July 4, Labor Day, Thanksgiving, Christmas in start..end."""
    found = []
    for year in range(start.year, end.year + 1):
        found += [
            date(year, 1, 1),
            _nth_weekday(year, 5, 0, -1),
            date(year, 7, 4),
            _nth_weekday(year, 9, 0, 1),
            _nth_weekday(year, 11, 3, 4),
            date(year, 12, 25),
        ]
    return sorted(d for d in found if start <= d <= end)


def _outage_day(start: date, end: date, holidays: tuple[date, ...]) -> date:
    # A plain weekday, so the failure spike is not confounded with a low-volume day.
    day = end - timedelta(days=min(OUTAGE_DAYS_BEFORE_END, (end - start).days - 25))
    while day.weekday() >= 5 or day in holidays:
        day -= timedelta(days=1)
    return day


def _version_shares(days: int) -> np.ndarray:
    """Traffic share per day and version: each rollout shifts traffic over 1 + ramp_days days."""
    index = np.arange(days)[:, None]
    adoption = np.ones((days, len(MODEL_VERSIONS) + 1))
    adoption[:, -1] = 0.0
    for j, version in enumerate(MODEL_VERSIONS):
        if version.days_before_end is not None:
            rollout = days - 1 - version.days_before_end
            adoption[:, j : j + 1] = np.clip((index - rollout + 1) / (version.ramp_days + 1), 0, 1)
    return adoption[:, :-1] - adoption[:, 1:]


def build_timeline(end: date, days: int) -> Timeline:
    """The window ending at `end` (inclusive) and the events placed relative to it."""
    start = end - timedelta(days=days - 1)
    holidays = tuple(us_holidays(start, end))
    return Timeline(
        start, end, days, holidays, _outage_day(start, end, holidays), _version_shares(days)
    )


# ------------------------------------------------------------------------ the volume model


def _ramp(days: int, go_live: int) -> np.ndarray:
    """Adoption of a tenant per day index: 0 before go-live, 10% on the day, 100% four weeks on."""
    since = np.arange(days) - go_live
    ramp = np.minimum(1.0, 0.1 + 0.9 * since / GO_LIVE_RAMP_DAYS)
    return np.where(since >= 0, ramp, 0.0)


def _growth(index: np.ndarray, days: int) -> np.ndarray:
    return 1.0 + GROWTH * index / (days - 1)


def _go_live_indices(days: int) -> np.ndarray:
    return np.array([round(spec.go_live * days) for spec in TENANT_SPECS])


def _day_factors(timeline: Timeline) -> np.ndarray:
    """Volume multiplier per day from weekday, holidays and growth."""
    dates = [timeline.day(i) for i in range(timeline.days)]
    weekday = WEEKDAY_FACTORS[[d.weekday() for d in dates]]
    holiday = np.array([HOLIDAY_FACTOR if d in timeline.holidays else 1.0 for d in dates])
    return weekday * holiday * _growth(np.arange(timeline.days), timeline.days)


def _tenant_volume(rng: np.random.Generator, timeline: Timeline, scale: float) -> np.ndarray:
    """Expected interactions per tenant (rows) and day (columns), summing to the scaled target."""
    days = timeline.days
    sizes = np.array([spec.size for spec in TENANT_SPECS])
    ramps = np.stack([_ramp(days, g) for g in _go_live_indices(days)])
    noise = rng.lognormal(0.0, 0.04, days) * rng.lognormal(0.0, 0.06, (len(sizes), days))
    volume = sizes[:, None] * ramps * _day_factors(timeline)[None, :] * noise
    return volume * (INTERACTIONS_PER_YEAR * scale * days / 365 / volume.sum())


# ------------------------------------------------------------------------------ dimensions


@dataclass(frozen=True)
class Clinicians:
    """The clinician dimension as parallel arrays, ordered by signup (ids ascend with it)."""

    ids: np.ndarray  # int64
    tenant: np.ndarray  # index into TENANT_SPECS
    specialty: np.ndarray  # index into SPECIALTIES
    role: np.ndarray  # index into CLINICIAN_ROLES
    signup: np.ndarray  # day index (negative = before the window)
    churn: np.ndarray  # first day index without activity
    weight: np.ndarray  # relative activity: lognormal, so a few power users and a long tail


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split `total` in proportion to `weights` (largest remainder), at least `minimum` each."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(counts - exact, kind="stable")[: total - counts.sum()]] += 1
    return np.maximum(counts, minimum)


def _signup_days(rng: np.random.Generator, n: int, go_live: int, days: int) -> np.ndarray:
    """Signup day indices that follow the tenant's adoption curve, the first on go-live day."""
    index = np.arange(go_live, days)
    curve = _ramp(days - go_live, 0) * _growth(index, days)
    cdf = curve / curve[-1]  # nondecreasing: ramp and growth both are
    picks = np.searchsorted(cdf, rng.random(n), side="left")
    picks[0] = 0
    return index[np.minimum(picks, len(index) - 1)]


def _specialty_mix(spec: TenantSpec) -> np.ndarray:
    if spec.focus is None:
        return _BROAD_SPECIALTY_MIX
    focused = np.zeros(len(SPECIALTIES))
    focused[SPECIALTIES.index(spec.focus)] = 1.0
    return 0.8 * focused + 0.2 * _BROAD_SPECIALTY_MIX


def _build_clinicians(rng: np.random.Generator, days: int, scale: float) -> Clinicians:
    """About 2,500 clinicians at scale 1, spread over tenants by size."""
    sizes = np.array([spec.size for spec in TENANT_SPECS])
    total = max(round(CLINICIANS_AT_SCALE_1 * scale), 5 * len(TENANT_SPECS))
    counts = _allocate(total, sizes, minimum=3)
    tenant = np.repeat(np.arange(len(TENANT_SPECS)), counts)
    signup = np.concatenate(
        [_signup_days(rng, n, g, days) for n, g in zip(counts, _go_live_indices(days), strict=True)]
    )
    specialty = np.concatenate(
        [
            rng.choice(len(SPECIALTIES), n, p=_specialty_mix(s))
            for n, s in zip(counts, TENANT_SPECS, strict=True)
        ]
    )
    role = rng.choice(len(CLINICIAN_ROLES), len(tenant), p=_ROLE_MIX)
    # Capped so the busiest power users stay within what one person can do in a day.
    weight = np.minimum(rng.lognormal(0.0, 0.9, len(tenant)), 7.0) * _ROLE_ACTIVITY[role]
    # A quarter churn some months after signup; each tenant's first clinician stays, so every
    # live tenant always has someone to carry its volume.
    churns = rng.random(len(tenant)) < 0.25
    churns[np.cumsum(counts) - counts] = False
    churn_day = signup + 30 + rng.exponential(150.0, len(tenant)).astype(int)
    churn = np.where(churns, churn_day, np.iinfo(np.int64).max)
    order = np.lexsort((tenant, signup))
    return Clinicians(
        ids=_CLINICIAN_ID_BASE + np.arange(len(tenant), dtype=np.int64),
        tenant=tenant[order],
        specialty=specialty[order],
        role=role[order],
        signup=signup[order],
        churn=churn[order],
        weight=weight[order],
    )


def _hex_tokens(rng: np.random.Generator, n: int, prefix: str, nbytes: int) -> pa.Array:
    """`n` random tokens `prefix` + 2*nbytes hex digits, built as one Arrow buffer (no loop)."""
    hex_digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    chars = np.empty((n, len(head) + 2 * nbytes), dtype=np.uint8)
    chars[:, : len(head)] = head
    chars[:, len(head) :: 2] = hex_digits[raw >> 4]
    chars[:, len(head) + 1 :: 2] = hex_digits[raw & 15]
    offsets = np.arange(n + 1, dtype=np.int32) * chars.shape[1]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def _cumulative(mixes: np.ndarray) -> np.ndarray:
    cum = np.cumsum(mixes / mixes.sum(axis=1, keepdims=True), axis=1)
    cum[:, -1] = 1.0
    return cum


def _pick(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """One category per row of `cum` (cumulative probabilities, one row per draw)."""
    u = rng.random(len(cum))
    return (u[:, None] >= cum[:, :-1]).sum(axis=1)


def _pick_from(u: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Categories for uniform draws `u` under one fixed `mix`."""
    return np.searchsorted(np.cumsum(mix / mix.sum())[:-1], u, side="right")


@dataclass(frozen=True)
class World:
    """Everything that is fixed before the first day is generated."""

    timeline: Timeline
    volume: np.ndarray  # tenants x days expected interactions
    clinicians: Clinicians
    type_cum: np.ndarray  # tenants x types, cumulative
    channel_cum: np.ndarray  # tenants x channels, cumulative
    patients: pa.Array  # "p_<hex>" tokens, tenants' pools back to back
    patient_start: np.ndarray  # first pool index per tenant
    patient_count: np.ndarray


def build_world(rng: np.random.Generator, timeline: Timeline, scale: float) -> World:
    """Draw the volume curve, clinicians, per-tenant mixes and patient pools."""
    tenants = len(TENANT_SPECS)
    sizes = np.array([spec.size for spec in TENANT_SPECS])
    volume = _tenant_volume(rng, timeline, scale)
    clinicians = _build_clinicians(rng, timeline.days, scale)
    # Dirichlet around a shared mix: each tenant uses the product a little differently.
    type_mix = rng.dirichlet(_TYPE_MIX * 80, tenants)
    channel_mix = rng.dirichlet(_CHANNEL_MIX * 40, tenants)
    patient_count = _allocate(max(round(PATIENTS_AT_SCALE_1 * scale), 200 * tenants), sizes, 50)
    patients = _hex_tokens(rng, int(patient_count.sum()), "p_", 8)
    return World(
        timeline=timeline,
        volume=volume,
        clinicians=clinicians,
        type_cum=_cumulative(type_mix),
        channel_cum=_cumulative(channel_mix),
        patients=patients,
        patient_start=np.cumsum(patient_count) - patient_count,
        patient_count=patient_count,
    )


# ------------------------------------------------------------------------------ daily facts


def _assign_clinicians(rng: np.random.Generator, world: World, day: int) -> np.ndarray:
    """Clinician row per interaction of the day: tenant volume shared by active clinicians."""
    c = world.clinicians
    active = (c.signup <= day) & (day < c.churn)
    weight = c.weight * active
    tenant_weight = np.bincount(c.tenant, weights=weight, minlength=len(TENANT_SPECS))
    per_weight = np.divide(
        world.volume[:, day],
        tenant_weight,
        out=np.zeros(len(TENANT_SPECS)),
        where=tenant_weight > 0,
    )
    expected = weight * per_weight[c.tenant]
    total = expected.sum()
    if total <= 0:
        return np.zeros(0, dtype=np.int64)
    return rng.choice(len(expected), size=rng.poisson(total), p=expected / total)


def _lognormal(
    rng: np.random.Generator, median: np.ndarray, sigma: float | np.ndarray
) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(len(median)))


def _statuses(rng: np.random.Generator, n: int, outage: bool, version: np.ndarray) -> np.ndarray:
    """Index into STATUSES per row: completed, failed, abandoned."""
    failure = OUTAGE_FAILURE_RATE if outage else NORMAL_FAILURE_RATE
    # Users walk away from slow answers: abandonment rises with the version's latency.
    abandon = ABANDON_RATE * _LATENCY_FACTOR[version] ** 1.2
    u = rng.random(n)
    return np.where(u < failure, 1, np.where(u < failure + abandon, 2, 0))


def _durations(rng: np.random.Generator, kind: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Seconds per session: long for ambient scribing, short for coding help; cut short on
    failure or abandonment."""
    n = len(kind)
    cut = np.select(
        [status == 1, status == 2], [rng.uniform(0.02, 0.3, n), rng.uniform(0.05, 0.6, n)], 1.0
    )
    duration = _lognormal(rng, _DURATION_MEDIAN_S[kind], _DURATION_SIGMA[kind]) * cut
    return np.clip(duration, 3, 3 * 3600).astype(np.int32)


def _tokens(
    rng: np.random.Generator, kind: np.ndarray, status: np.ndarray, duration: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(tokens_in, tokens_out); a scribe's input is the visit transcript, so it tracks duration."""
    n = len(kind)
    rate = _lognormal(rng, np.full(n, _AMBIENT_TOKENS_PER_S), 0.15)
    transcript = _AMBIENT_PROMPT_TOKENS + duration * rate
    tokens_in = np.where(
        kind == _AMBIENT, transcript, _lognormal(rng, _TOKENS_IN_MEDIAN[kind], 0.45)
    )
    tokens_out = _lognormal(rng, _TOKENS_OUT_MEDIAN[kind], 0.35)
    tokens_out *= np.select([status == 1, status == 2], [0.0, rng.uniform(0.1, 1.0, n)], 1.0)
    return tokens_in.astype(np.int32), tokens_out.astype(np.int32)


def _latencies(
    rng: np.random.Generator, kind: np.ndarray, version: np.ndarray, status: np.ndarray
) -> np.ndarray:
    """Log-normal model latency in ms, by type and model version; failures are often timeouts."""
    latency = _lognormal(rng, _LATENCY_MEDIAN_MS[kind] * _LATENCY_FACTOR[version], 0.35)
    latency *= np.where(status == 1, rng.uniform(1.5, 4.0, len(kind)), 1.0)
    return np.clip(latency, 50, 120_000).astype(np.int32)


def _ratings(rng: np.random.Generator, status: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rating 1..5, whether the user left one): ~15% rate, high unless the session went wrong."""
    rated = rng.random(len(status)) < FEEDBACK_RATE
    u = rng.random(len(status))
    rating = 1 + np.where(status == 0, _pick_from(u, _RATING_OK), _pick_from(u, _RATING_BAD))
    return rating.astype(np.int8), rated


def _interaction_columns(rng: np.random.Generator, world: World, day: int) -> dict[str, np.ndarray]:
    """The day's interactions as numpy columns (indices for categories), sorted by start time."""
    clin = _assign_clinicians(rng, world, day)
    n = len(clin)
    day_ms = (world.timeline.day(day) - _EPOCH).days * _DAY_MS
    hours = rng.choice(24, n, p=_HOURLY_P)
    # Sorting the times alone is enough: clinicians were drawn independently of them.
    started = np.sort(day_ms + hours * 3_600_000 + rng.integers(0, 3_600_000, n))
    tenant = world.clinicians.tenant[clin]
    kind = _pick(rng, world.type_cum[tenant])
    channel = _pick(rng, world.channel_cum[tenant])
    version = rng.choice(len(MODEL_VERSIONS), n, p=world.timeline.version_shares[day])
    status = _statuses(rng, n, world.timeline.day(day) == world.timeline.outage, version)
    duration = _durations(rng, kind, status)
    tokens_in, tokens_out = _tokens(rng, kind, status, duration)
    latency = _latencies(rng, kind, version, status)
    cost = np.round((tokens_in * _PRICE_IN[version] + tokens_out * _PRICE_OUT[version]) / 1000, 6)
    rating, rated = _ratings(rng, status)
    start, count = world.patient_start[tenant], world.patient_count[tenant]
    # Skewed towards the low end of each pool: some patients come back often.
    patient = start + (count * rng.random(n) ** 1.7).astype(np.int64)
    return {
        "clinician": clin,
        "tenant": tenant,
        "patient": patient,
        "started_at": started,
        "channel": channel,
        "interaction_type": kind,
        "duration_sec": duration,
        "model_version": version,
        "ai_latency_ms": latency,
        "tokens_in": tokens_in,
        "tokens_out": tokens_out,
        "cost_usd": cost,
        "status": status,
        "feedback_rating": rating,
        "rated": rated,
    }


def _strings(values: tuple[str, ...] | list[str], index: np.ndarray) -> pa.Array:
    return pa.array(values, pa.string()).take(pa.array(index, pa.int64()))


_TENANT_IDS = [spec.tenant_id for spec in TENANT_SPECS]


def _interactions_table(world: World, cols: dict[str, np.ndarray], first_id: int) -> pa.Table:
    n = len(cols["clinician"])
    arrays = [
        pa.array(first_id + np.arange(n, dtype=np.int64)),
        _strings(_TENANT_IDS, cols["tenant"]),
        pa.array(world.clinicians.ids[cols["clinician"]]),
        world.patients.take(pa.array(cols["patient"], pa.int64())),
        pa.array(cols["started_at"], pa.timestamp("ms")),
        _strings(CHANNELS, cols["channel"]),
        _strings(INTERACTION_TYPES, cols["interaction_type"]),
        pa.array(cols["duration_sec"]),
        _strings(_VERSION_NAMES, cols["model_version"]),
        pa.array(cols["ai_latency_ms"]),
        pa.array(cols["tokens_in"]),
        pa.array(cols["tokens_out"]),
        pa.array(cols["cost_usd"]),
        _strings(STATUSES, cols["status"]),
        pa.array(cols["feedback_rating"], pa.int8(), mask=~cols["rated"]),
    ]
    return pa.Table.from_arrays(arrays, schema=INTERACTIONS.arrow_schema())


_NOTES_SCHEMA = CLINICAL_NOTES.arrow_schema()
_NOTE_ID_INDEX = _NOTES_SCHEMA.get_field_index("note_id")
_NOTES_BODY_SCHEMA = _NOTES_SCHEMA.remove(_NOTE_ID_INDEX)


def _note_rows(rng: np.random.Generator, kind: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Interactions that leave a note: nearly every completed scribe session, some summaries."""
    share = np.zeros(len(kind))
    for name, rate in _NOTE_SHARE.items():
        share[kind == INTERACTION_TYPES.index(name)] = rate
    return np.flatnonzero((status == 0) & (rng.random(len(kind)) < share))


def _note_review(
    rng: np.random.Generator, version: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ai_generated, edit_ratio, accepted, time_to_sign_min) per note, from the model version."""
    n = len(version)
    ai = rng.random(n) < _AI_GENERATED_RATE
    mean = _EDIT_RATIO_MEAN[version]
    edit = rng.beta(2.0, 2.0 * (1 - mean) / mean)
    # A note not generated by AI means the draft was discarded and written from scratch.
    edit = np.round(np.where(ai, edit, 1.0), 4)
    accepted = ai & (rng.random(n) < 0.985 - 0.9 * edit**1.5)
    sign = np.round(np.maximum(_lognormal(rng, 18.0 * (1 + 1.5 * edit), 0.9), 0.5), 1)
    return ai, edit, accepted, sign


def _notes_body(
    rng: np.random.Generator, world: World, cols: dict[str, np.ndarray], interactions: pa.Table
) -> pa.Table:
    """Notes (without note_id) for the day's interactions; created just after the session ends."""
    rows = _note_rows(rng, cols["interaction_type"], cols["status"])
    ambient = cols["interaction_type"][rows] == _AMBIENT
    u = rng.random(len(rows))
    note_type = np.where(
        ambient, _pick_from(u, _NOTE_MIX_AMBIENT), _pick_from(u, _NOTE_MIX_SUMMARY)
    )
    duration = cols["duration_sec"][rows]
    lag_ms = _lognormal(rng, np.full(len(rows), 40_000.0), 0.8)
    created = (
        cols["started_at"][rows] + duration * 1000 + np.minimum(lag_ms, 1_800_000).astype(np.int64)
    )
    length = np.where(ambient, (duration / _DURATION_MEDIAN_S[_AMBIENT]) ** 0.25, 1.0)
    words = np.maximum(_lognormal(rng, _WORDS_MEDIAN[note_type] * length, 0.3), 40)
    ai, edit, accepted, sign = _note_review(rng, cols["model_version"][rows])

    take = pa.array(rows, pa.int64())
    copied = [
        interactions.column(name).combine_chunks().take(take)
        for name in ("interaction_id", "tenant_id", "clinician_id", "patient_id")
    ]
    arrays = copied + [
        _strings(NOTE_TYPES, note_type),
        _strings(SPECIALTIES, world.clinicians.specialty[cols["clinician"][rows]]),
        pa.array(created, pa.timestamp("ms")),
        pa.array(words.astype(np.int32)),
        pa.array(ai),
        pa.array(edit),
        pa.array(accepted),
        pa.array(sign),
    ]
    return pa.Table.from_arrays(arrays, schema=_NOTES_BODY_SCHEMA)


def _split_at(body: pa.Table, cutoff_ms: int) -> tuple[pa.Table, pa.Table]:
    """(notes created before cutoff_ms, notes created from it on)."""
    before = pc.less(body.column("created_at"), pa.scalar(cutoff_ms, pa.timestamp("ms")))
    return body.filter(before), body.filter(pc.invert(before))


def _with_note_ids(body: pa.Table, first_id: int) -> pa.Table:
    ordered = body.sort_by("created_at")
    ids = pa.array(first_id + np.arange(ordered.num_rows, dtype=np.int64))
    return ordered.add_column(_NOTE_ID_INDEX, _NOTES_SCHEMA.field("note_id"), ids)


# --------------------------------------------------------------------------------- writing


def _write(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="snappy")


def _tenants_table(timeline: Timeline) -> pa.Table:
    go_lives = [timeline.day(g) for g in _go_live_indices(timeline.days)]
    arrays = [
        pa.array(_TENANT_IDS),
        pa.array([s.name for s in TENANT_SPECS]),
        pa.array([s.region for s in TENANT_SPECS]),
        pa.array([s.plan for s in TENANT_SPECS]),
        pa.array(go_lives, pa.date32()),
    ]
    return pa.Table.from_arrays(arrays, schema=TENANTS.arrow_schema())


def _clinicians_table(world: World) -> pa.Table:
    c = world.clinicians
    epoch_day = (world.timeline.start - _EPOCH).days
    arrays = [
        pa.array(c.ids),
        _strings(_TENANT_IDS, c.tenant),
        _strings(SPECIALTIES, c.specialty),
        _strings(CLINICIAN_ROLES, c.role),
        pa.array((epoch_day + c.signup).astype(np.int32), pa.date32()),
    ]
    return pa.Table.from_arrays(arrays, schema=CLINICIANS.arrow_schema())


def _partition(root: Path, table: str, day: date) -> Path:
    return root / table / f"dt={day.isoformat()}" / "part-0.parquet"


def _write_facts(rng: np.random.Generator, world: World, root: Path) -> dict[str, int]:
    """Write one interactions and one clinical_notes file per day; return the row counts."""
    timeline = world.timeline
    next_interaction, next_note = _INTERACTION_ID_BASE, _NOTE_ID_BASE
    # Notes of late sessions are created after midnight (at most 3.5 h after the day ends),
    # so they belong to the next day's partition.
    carried = _NOTES_BODY_SCHEMA.empty_table()
    for day in range(timeline.days):
        when = timeline.day(day)
        cols = _interaction_columns(rng, world, day)
        interactions = _interactions_table(world, cols, next_interaction)
        _write(interactions, _partition(root, INTERACTIONS.name, when))
        next_interaction += interactions.num_rows

        body = _notes_body(rng, world, cols, interactions)
        today, carried_next = _split_at(body, ((when - _EPOCH).days + 1) * _DAY_MS)
        notes = _with_note_ids(pa.concat_tables([carried, today]), next_note)
        _write(notes, _partition(root, CLINICAL_NOTES.name, when))
        next_note += notes.num_rows
        carried = carried_next  # after end_date they are dropped: the snapshot ends at midnight
    return {
        INTERACTIONS.name: next_interaction - _INTERACTION_ID_BASE,
        CLINICAL_NOTES.name: next_note - _NOTE_ID_BASE,
    }


# -------------------------------------------------------------------------------- manifest


def manifest_path(out_dir: Path) -> Path:
    """Where the manifest of a dataset in `out_dir` lives."""
    return Path(out_dir) / MANIFEST_NAME


def read_manifest(out_dir: Path) -> dict | None:
    """The manifest of the dataset in `out_dir`, or None when it is missing or unreadable."""
    try:
        manifest = json.loads(manifest_path(out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def data_version(seed: int, scale: float, days: int, end: date) -> str:
    """Short hash naming the dataset's content; equal arguments give equal data."""
    key = f"{GENERATOR_VERSION}|{seed}|{float(scale)!r}|{days}|{end.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _files_bytes(root: Path, table: str) -> int:
    return sum(p.stat().st_size for p in (root / table).rglob("*.parquet"))


def _truths(timeline: Timeline) -> dict:
    """The injected events, as the manifest records them."""
    shares = timeline.version_shares
    rollouts = []
    for j, version in enumerate(MODEL_VERSIONS):
        serving = np.flatnonzero(shares[:, j] > 0)
        if len(serving):
            rollouts.append(
                {
                    "version": version.name,
                    "date": timeline.day(serving[0]).isoformat(),
                    "ramp_days": version.ramp_days,
                }
            )
    regressed = _VERSION_NAMES.index(REGRESSED_VERSION)
    fix = MODEL_VERSIONS[_VERSION_NAMES.index(FIX_VERSION)]
    previous = MODEL_VERSIONS[regressed - 1]
    return {
        "rollouts": rollouts,
        "latency_regression": {
            "version": REGRESSED_VERSION,
            "start": (
                timeline.end - timedelta(days=MODEL_VERSIONS[regressed].days_before_end)
            ).isoformat(),
            "end": (timeline.end - timedelta(days=fix.days_before_end + 1)).isoformat(),
            "p95_factor": round(
                MODEL_VERSIONS[regressed].latency_factor / previous.latency_factor, 3
            ),
        },
        "fix_version": FIX_VERSION,
        "outage": {
            "date": timeline.outage.isoformat(),
            "failure_rate": OUTAGE_FAILURE_RATE,
            "normal_failure_rate": NORMAL_FAILURE_RATE,
        },
        "holidays": [d.isoformat() for d in timeline.holidays],
        "holiday_factor": HOLIDAY_FACTOR,
        "weekend_factor": WEEKEND_FACTOR,
        "growth": GROWTH,
    }


def _manifest(
    seed: int, scale: float, timeline: Timeline, counts: dict[str, int], root: Path, s3: str
) -> dict:
    go_lives = [timeline.day(g) for g in _go_live_indices(timeline.days)]
    return {
        "generator_version": GENERATOR_VERSION,
        "data_version": data_version(seed, scale, timeline.days, timeline.end),
        "seed": seed,
        "scale": scale,
        "days": timeline.days,
        "start_date": timeline.start.isoformat(),
        "end_date": timeline.end.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "row_counts": counts,
        "files_bytes": {name: _files_bytes(root, name) for name in counts},
        "s3_location": s3,
        "tenants": [
            {
                "id": s.tenant_id,
                "name": s.name,
                "region": s.region,
                "plan": s.plan,
                "go_live_date": g.isoformat(),
            }
            for s, g in zip(TENANT_SPECS, go_lives, strict=True)
        ],
        **_truths(timeline),
    }


# -------------------------------------------------------------------------------- generate


def _write_dataset(root: Path, seed: int, scale: float, timeline: Timeline, s3: str) -> dict:
    rng = np.random.default_rng(seed)
    world = build_world(rng, timeline, scale)
    tenants, clinicians = _tenants_table(timeline), _clinicians_table(world)
    _write(tenants, root / TENANTS.name / f"{TENANTS.name}.parquet")
    _write(clinicians, root / CLINICIANS.name / f"{CLINICIANS.name}.parquet")
    counts = {TENANTS.name: tenants.num_rows, CLINICIANS.name: clinicians.num_rows}
    counts.update(_write_facts(rng, world, root))
    (root / DDL_NAME).write_text(athena_ddl(s3, timeline.start, timeline.end), encoding="utf-8")
    manifest = _manifest(seed, scale, timeline, counts, root, s3)
    # Last file written: a dataset with a manifest is complete.
    manifest_path(root).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _replace_dir(staging: Path, out_dir: Path) -> None:
    """Move the finished staging folder to out_dir, replacing an older dataset there."""
    old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def generate(
    out_dir: Path,
    *,
    seed: int = 7,
    scale: float = 1.0,
    end_date: date | None = None,
    days: int = 365,
    s3_location: str = DEFAULT_S3_LOCATION,
) -> dict:
    """Write the demo dataset to `out_dir` (replacing what is there) and return its manifest.

    The data covers `days` days ending at `end_date` (inclusive; default today in UTC). Scale 1
    is about 2M interactions over 365 days. It is written to a temporary folder next to
    `out_dir` and renamed into place, so an interrupted run never leaves a dataset that looks
    complete.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    if days < MIN_DAYS:
        raise ValueError(f"days must be at least {MIN_DAYS}, got {days}")
    timeline = build_timeline(end_date or datetime.now(UTC).date(), days)
    athena_ddl(s3_location, timeline.start, timeline.end)  # fail on a bad location before writing
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        manifest = _write_dataset(staging, seed, scale, timeline, s3_location)
        _replace_dir(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demo.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--out", type=Path, default=Path("var/data"), help="dataset folder (replaced)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = about 2M interactions a year")
    parser.add_argument(
        "--end-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD, default today (UTC)"
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--s3-location", default=DEFAULT_S3_LOCATION, help="used in athena_ddl.sql")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: generate, then print row counts, time and throughput."""
    args = _parse_args(argv)
    began = time.perf_counter()
    manifest = generate(
        args.out,
        seed=args.seed,
        scale=args.scale,
        end_date=args.end_date,
        days=args.days,
        s3_location=args.s3_location,
    )
    seconds = time.perf_counter() - began
    counts = manifest["row_counts"]
    rows = sum(counts.values())
    window = f"{manifest['start_date']} .. {manifest['end_date']}"
    print(f"{window}  data_version {manifest['data_version']}")
    print("  ".join(f"{name} {count:,}" for name, count in counts.items()))
    print(f"{rows:,} rows to {args.out} in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
