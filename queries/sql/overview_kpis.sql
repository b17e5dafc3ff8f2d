-- The Overview's headline numbers for one period (run again for the comparison period).
-- cache: kpi
WITH usage AS (
    SELECT
        count(*) AS interactions,
        count(DISTINCT clinician_id) AS active_clinicians,
        approx_percentile(ai_latency_ms, 0.95) AS p95_latency_ms,
        CAST(count_if(status = 'failed') AS double) / nullif(count(*), 0) AS failure_rate,
        coalesce(sum(cost_usd), 0) AS ai_cost_usd
    FROM interactions
),
notes AS (
    SELECT
        count(*) AS notes_drafted,
        CAST(count_if(ai_generated AND accepted) AS double)
            / nullif(count_if(ai_generated), 0) AS acceptance_rate
    FROM clinical_notes
)
SELECT
    usage.interactions,
    usage.active_clinicians,
    notes.notes_drafted,
    notes.acceptance_rate,
    usage.p95_latency_ms,
    usage.failure_rate,
    usage.ai_cost_usd
FROM usage
CROSS JOIN notes
