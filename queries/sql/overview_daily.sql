-- One row per day: volume, failures, active clinicians, p95 latency and cost, for the trend chart.
-- cache: kpi
SELECT
    CAST(dt AS date) AS day,
    count(*) AS interactions,
    count_if(status = 'failed') AS failures,
    CAST(count_if(status = 'failed') AS double) / count(*) AS failure_rate,
    count(DISTINCT clinician_id) AS active_clinicians,
    approx_percentile(ai_latency_ms, 0.95) AS p95_latency_ms,
    sum(cost_usd) AS ai_cost_usd
FROM interactions
GROUP BY dt
ORDER BY day
