"""Every query the dashboard pages use, against an independent pandas computation on the demo data.

Queries run for a scoped viewer (two tenants) with a channel filter, so tenant scoping and the
guard's filters are part of what is checked; a few run unfiltered for an admin as well.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from queries import Filters, Principal
from tests.conftest import END_DATE

VIEWER = Principal("v", "viewer", frozenset({"t01", "t02"}))
ADMIN = Principal("a", "admin", None)
PERIOD = Filters(END_DATE - dt.timedelta(days=59), END_DATE, channels=("web", "ehr_plugin"))
UNFILTERED = Filters(END_DATE - dt.timedelta(days=364), END_DATE)


def p(values, q: float) -> float:
    """The engine's approx_percentile on DuckDB: an exact value of the column (quantile_disc)."""
    return float(np.quantile(np.asarray(values), q, method="inverted_cdf"))


@pytest.fixture(scope="module")
def raw(demo_data) -> dict[str, pd.DataFrame]:
    inter = pd.read_parquet(demo_data / "interactions")
    notes = pd.read_parquet(demo_data / "clinical_notes")
    for frame in (inter, notes):
        frame["dt"] = frame["dt"].astype(str)
        frame["day"] = pd.to_datetime(frame["dt"])
    return {"interactions": inter, "clinical_notes": notes,
            "clinicians": pd.read_parquet(demo_data / "clinicians"),
            "tenants": pd.read_parquet(demo_data / "tenants")}


def scoped(raw, table: str, principal: Principal, filters: Filters) -> pd.DataFrame:
    """The rows the guard lets `principal` see under `filters`, computed with pandas."""
    frame = raw[table]
    if principal.tenants is not None:
        frame = frame[frame["tenant_id"].isin(principal.tenants)]
    frame = frame[(frame["dt"] >= filters.start.isoformat()) & (frame["dt"] <= filters.end.isoformat())]
    if filters.channels:
        if table == "interactions":
            frame = frame[frame["channel"].isin(filters.channels)]
        else:  # notes take the channel of the interaction they were drafted in
            ids = raw["interactions"].loc[raw["interactions"]["channel"].isin(filters.channels), "interaction_id"]
            frame = frame[frame["interaction_id"].isin(ids)]
    return frame


def _close(got: pd.Series, want: pd.Series) -> None:
    np.testing.assert_allclose(got.astype(float).to_numpy(), want.astype(float).to_numpy(), rtol=1e-9,
                               equal_nan=True)


@pytest.mark.parametrize("principal,filters", [(VIEWER, PERIOD), (ADMIN, UNFILTERED)], ids=["viewer", "admin"])
def test_pgq001_interactions_queries(service, raw, principal, filters):
    i = scoped(raw, "interactions", principal, filters)
    mix = service.run("interactions_mix", principal, filters=filters)
    want = i.groupby(["day", "interaction_type", "channel"]).size().reset_index(name="interactions")
    assert mix["interactions"].tolist() == want["interactions"].tolist()
    assert mix["day"].tolist() == want["day"].tolist()

    heat = service.run("interactions_heatmap", principal, filters=filters)
    want = i.groupby([i["started_at"].dt.day_of_week + 1, i["started_at"].dt.hour]).size()
    assert heat.set_index(["weekday", "hour"])["interactions"].to_dict() == want.to_dict()

    dur = service.run("interactions_duration", principal, filters=filters)
    bucket = np.floor(np.log2(i["duration_sec"].clip(lower=1))).astype(int)
    want = i.groupby([bucket.rename("bucket"), "interaction_type"]).size()
    assert dur.set_index(["bucket", "interaction_type"])["interactions"].to_dict() == want.to_dict()

    out = service.run("interactions_outcomes", principal, filters=filters)
    want = i.groupby(["day", "status"]).size()
    assert out.set_index(["day", "status"])["interactions"].to_dict() == want.to_dict()

    fb = service.run("interactions_feedback", principal, filters=filters)
    rated = i.dropna(subset=["feedback_rating"])
    want = rated.groupby([rated["feedback_rating"].astype(int).rename("rating"), "interaction_type"]).size()
    assert fb.set_index(["rating", "interaction_type"])["interactions"].to_dict() == want.to_dict()

    kpis = service.run("interactions_kpis", principal, filters=filters).iloc[0]
    assert kpis["interactions"] == len(i)
    assert kpis["avg_duration_sec"] == pytest.approx(i["duration_sec"].mean())
    assert kpis["completion_rate"] == pytest.approx((i["status"] == "completed").mean())
    assert kpis["abandon_rate"] == pytest.approx((i["status"] == "abandoned").mean())
    assert kpis["avg_rating"] == pytest.approx(i["feedback_rating"].mean())
    assert kpis["rated_share"] == pytest.approx(i["feedback_rating"].notna().mean())

    daily = service.run("interactions_daily", principal, filters=filters).set_index("day")
    by_day = i.groupby("day")
    _close(daily["interactions"], by_day.size())
    _close(daily["avg_duration_sec"], by_day["duration_sec"].mean())
    _close(daily["completion_rate"], by_day["status"].apply(lambda s: (s == "completed").mean()))
    _close(daily["avg_rating"], by_day["feedback_rating"].mean())


@pytest.mark.parametrize("principal,filters", [(VIEWER, PERIOD), (ADMIN, UNFILTERED)], ids=["viewer", "admin"])
def test_pgq002_notes_queries(service, raw, principal, filters):
    n = scoped(raw, "clinical_notes", principal, filters)
    ai = n[n["ai_generated"]]
    kpis = service.run("notes_kpis", principal, filters=filters).iloc[0]
    assert kpis["notes_drafted"] == len(n)
    assert kpis["ai_share"] == pytest.approx(n["ai_generated"].mean())
    assert kpis["acceptance_rate"] == pytest.approx(ai["accepted"].mean())
    assert kpis["avg_edit_ratio"] == pytest.approx(ai["edit_ratio"].mean())
    assert kpis["median_time_to_sign_min"] == pytest.approx(p(n["time_to_sign_min"], 0.5))
    assert kpis["avg_word_count"] == pytest.approx(n["word_count"].mean())

    daily = service.run("notes_daily", principal, filters=filters).set_index("day")
    by_day = n.groupby("day")
    _close(daily["notes_drafted"], by_day.size())
    _close(daily["ai_share"], by_day["ai_generated"].mean())
    _close(daily["acceptance_rate"], ai.groupby("day")["accepted"].mean().reindex(daily.index))
    _close(daily["avg_edit_ratio"], ai.groupby("day")["edit_ratio"].mean().reindex(daily.index))
    _close(daily["median_time_to_sign_min"], by_day["time_to_sign_min"].apply(lambda s: p(s, 0.5)))

    by_type = service.run("notes_by_type", principal, filters=filters).set_index(["note_type", "specialty"])
    grouped = n.groupby(["note_type", "specialty"])
    assert by_type["notes_drafted"].to_dict() == grouped.size().to_dict()
    assert by_type["ai_drafted"].to_dict() == grouped["ai_generated"].sum().to_dict()

    for name, column in (("notes_time_to_sign", "time_to_sign_min"), ("notes_word_count", "word_count")):
        got = service.run(name, principal, filters=filters).set_index(["bucket", "note_type"])["notes_drafted"]
        bucket = np.floor(np.log2(n[column].clip(lower=1))).astype(int).rename("bucket")
        assert got.to_dict() == n.groupby([bucket, "note_type"]).size().to_dict(), name


@pytest.mark.parametrize("principal,filters", [(VIEWER, PERIOD), (ADMIN, UNFILTERED)], ids=["viewer", "admin"])
def test_pgq003_model_queries(service, raw, principal, filters):
    i = scoped(raw, "interactions", principal, filters)
    tokens = i["tokens_in"] + i["tokens_out"]
    kpis = service.run("model_kpis", principal, filters=filters).iloc[0]
    for q, column in ((0.5, "p50_latency_ms"), (0.95, "p95_latency_ms"), (0.99, "p99_latency_ms")):
        assert kpis[column] == p(i["ai_latency_ms"], q)
    assert kpis["failure_rate"] == pytest.approx((i["status"] == "failed").mean())
    assert kpis["tokens_per_interaction"] == pytest.approx(tokens.mean())
    assert kpis["cost_per_interaction"] == pytest.approx(i["cost_usd"].mean())

    daily = service.run("model_daily", principal, filters=filters).set_index(["day", "model_version"])
    grouped = i.assign(tokens=tokens).groupby(["day", "model_version"])
    assert daily["interactions"].to_dict() == grouped.size().to_dict()
    _close(daily["p95_latency_ms"], grouped["ai_latency_ms"].apply(lambda s: p(s, 0.95)))
    _close(daily["p99_latency_ms"], grouped["ai_latency_ms"].apply(lambda s: p(s, 0.99)))
    _close(daily["failure_rate"], grouped["status"].apply(lambda s: (s == "failed").mean()))
    _close(daily["tokens_per_interaction"], grouped["tokens"].mean())
    _close(daily["cost_per_interaction"], grouped["cost_usd"].mean())

    spark = service.run("model_spark", principal, filters=filters).set_index("day")
    _close(spark["p50_latency_ms"], i.groupby("day")["ai_latency_ms"].apply(lambda s: p(s, 0.5)))

    summary = service.run("model_summary", principal, filters=filters).set_index("model_version")
    by_version = i.groupby("model_version")
    assert summary["interactions"].to_dict() == by_version.size().to_dict()
    _close(summary["p95_latency_ms"], by_version["ai_latency_ms"].apply(lambda s: p(s, 0.95)))
    _close(summary["avg_rating"], by_version["feedback_rating"].mean())

    versions = service.run("model_versions", principal)
    everything = raw["interactions"]
    if principal.tenants is not None:
        everything = everything[everything["tenant_id"].isin(principal.tenants)]
    first = everything.groupby("model_version")["dt"].min().sort_values()
    assert versions["model_version"].tolist() == first.index.tolist()
    assert versions["first_day"].tolist() == first.tolist()


@pytest.mark.parametrize("principal,filters", [(VIEWER, PERIOD), (ADMIN, UNFILTERED)], ids=["viewer", "admin"])
def test_pgq004_adoption_queries(service, raw, principal, filters):
    i = scoped(raw, "interactions", principal, filters)
    clinicians = raw["clinicians"]
    if principal.tenants is not None:
        clinicians = clinicians[clinicians["tenant_id"].isin(principal.tenants)]
    signup = pd.to_datetime(clinicians.set_index("clinician_id")["signup_date"])

    dau = service.run("adoption_dau", principal, filters=filters).set_index("day")["active_clinicians"]
    want_dau = i.groupby("day")["clinician_id"].nunique()
    assert dau.to_dict() == want_dau.to_dict()
    week = i["day"] - pd.to_timedelta(i["day"].dt.day_of_week, unit="D")
    wau = service.run("adoption_wau", principal, filters=filters).set_index("week")["active_clinicians"]
    assert wau.to_dict() == i.groupby(week)["clinician_id"].nunique().to_dict()
    month = i["day"].dt.to_period("M").dt.to_timestamp()
    mau = service.run("adoption_mau", principal, filters=filters).set_index("month")
    want_mau = i.groupby(month)["clinician_id"].nunique()
    assert mau["active_clinicians"].to_dict() == want_mau.to_dict()
    want_avg = want_dau.groupby(want_dau.index.to_period("M").to_timestamp()).mean()
    _close(mau["stickiness"], want_avg / want_mau)

    kpis = service.run("adoption_kpis", principal, filters=filters).iloc[0]
    assert kpis["active_clinicians"] == i["clinician_id"].nunique()
    assert kpis["avg_dau"] == pytest.approx(want_dau.mean())
    assert kpis["stickiness"] == pytest.approx(want_dau.mean() / i["clinician_id"].nunique())
    new = signup[(signup >= pd.Timestamp(filters.start)) & (signup <= pd.Timestamp(filters.end))].index
    assert kpis["new_clinicians"] == i.loc[i["clinician_id"].isin(new), "clinician_id"].nunique()
    assert kpis["interactions_per_clinician"] == pytest.approx(len(i) / i["clinician_id"].nunique())

    nr = service.run("adoption_new_returning", principal, filters=filters).set_index("week")
    pairs = pd.DataFrame({"week": week, "clinician_id": i["clinician_id"]}).drop_duplicates()
    pairs["signup"] = pairs["clinician_id"].map(signup)
    is_new = pairs["signup"] >= pairs["week"]
    assert nr["new_clinicians"].to_dict() == is_new.groupby(pairs["week"]).sum().to_dict()
    assert nr["returning_clinicians"].to_dict() == (~is_new).groupby(pairs["week"]).sum().to_dict()

    cohorts = service.run("adoption_cohorts", principal, filters=filters)
    first_month = pd.Timestamp(filters.start).to_period("M").to_timestamp()
    members = signup[(signup >= first_month) & (signup <= pd.Timestamp(filters.end))]
    cohort_of = members.dt.to_period("M").dt.to_timestamp()
    active = pd.DataFrame({"clinician_id": i["clinician_id"], "month": month}).drop_duplicates()
    active = active[active["clinician_id"].isin(cohort_of.index)]
    active["cohort"] = active["clinician_id"].map(cohort_of)
    active = active[active["month"] >= active["cohort"]]
    active["offset"] = ((active["month"].dt.year - active["cohort"].dt.year) * 12
                        + active["month"].dt.month - active["cohort"].dt.month)
    want = active.groupby(["cohort", "offset"]).size()
    got = cohorts.set_index(["cohort_month", "month_offset"])
    assert got["active_clinicians"].to_dict() == want.to_dict()
    sizes = cohort_of.value_counts()
    _close(got["retention"], want / want.index.get_level_values(0).map(sizes).to_numpy())

    tenants = service.run("adoption_tenants", principal, filters=filters).set_index("tenant_id")
    visible = raw["tenants"]["tenant_id"] if principal.tenants is None else sorted(principal.tenants)
    assert sorted(tenants.index) == sorted(visible)
    by_tenant = i.groupby("tenant_id")["clinician_id"].nunique().reindex(tenants.index, fill_value=0)
    assert tenants["active_clinicians"].to_dict() == by_tenant.to_dict()

    specialties = service.run("adoption_specialties", principal, filters=filters).set_index("specialty")
    with_specialty = i.assign(specialty=i["clinician_id"].map(clinicians.set_index("clinician_id")["specialty"]))
    grouped = with_specialty.groupby("specialty")
    assert specialties["active_clinicians"].to_dict() == grouped["clinician_id"].nunique().to_dict()
    assert specialties["interactions"].to_dict() == grouped.size().to_dict()


@pytest.mark.parametrize("principal,filters", [(VIEWER, PERIOD), (ADMIN, UNFILTERED)], ids=["viewer", "admin"])
def test_pgq005_overview_spark_matches_daily_kpis(service, raw, principal, filters):
    i = scoped(raw, "interactions", principal, filters)
    n = scoped(raw, "clinical_notes", principal, filters)
    spark = service.run("overview_spark", principal, filters=filters).set_index("day")
    by_day = i.groupby("day")
    assert spark["interactions"].to_dict() == by_day.size().to_dict()
    assert spark["active_clinicians"].to_dict() == by_day["clinician_id"].nunique().to_dict()
    _close(spark["p95_latency_ms"], by_day["ai_latency_ms"].apply(lambda s: p(s, 0.95)))
    _close(spark["ai_cost_usd"], by_day["cost_usd"].sum())
    assert spark["notes_drafted"].to_dict() == n.groupby("day").size().reindex(spark.index, fill_value=0).to_dict()
    ai = n[n["ai_generated"]]
    _close(spark["acceptance_rate"], ai.groupby("day")["accepted"].mean().reindex(spark.index))


def test_pgq006_debug_slow_counts_the_cross_join(service):
    frame = service.run("debug_slow", ADMIN, n=20)
    assert frame.at[0, "row_count"] == 20 ** 3
    want = sum((x * y + z) % 7 for x in range(1, 21) for y in range(1, 21) for z in range(1, 21))
    assert frame.at[0, "checksum"] == want
