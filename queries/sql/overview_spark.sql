-- One row per day with every Overview KPI's daily value, for the cards' sparklines.
-- cache: kpi
WITH usage AS (
    SELECT
        dt,
        count(*) AS interactions,
        count(DISTINCT clinician_id) AS active_clinicians,
        approx_percentile(ai_latency_ms, 0.95) AS p95_latency_ms,
        CAST(count_if(status = 'failed') AS double) / count(*) AS failure_rate,
        sum(cost_usd) AS ai_cost_usd
    FROM interactions
    GROUP BY dt
),
notes AS (
    SELECT
        dt,
        count(*) AS notes_drafted,
        CAST(count_if(ai_generated AND accepted) AS double) / nullif(count_if(ai_generated), 0) AS acceptance_rate
    FROM clinical_notes
    GROUP BY dt
)
SELECT
    CAST(usage.dt AS date) AS day,
    usage.interactions,
    usage.active_clinicians,
    coalesce(notes.notes_drafted, 0) AS notes_drafted,
    notes.acceptance_rate,
    usage.p95_latency_ms,
    usage.failure_rate,
    usage.ai_cost_usd
FROM usage
LEFT JOIN notes ON notes.dt = usage.dt
ORDER BY day
