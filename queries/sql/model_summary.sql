-- One row per model version over the period, for the side-by-side comparison.
-- cache: kpi
SELECT
    model_version,
    count(*) AS interactions,
    approx_percentile(ai_latency_ms, 0.5) AS p50_latency_ms,
    approx_percentile(ai_latency_ms, 0.95) AS p95_latency_ms,
    approx_percentile(ai_latency_ms, 0.99) AS p99_latency_ms,
    CAST(count_if(status = 'failed') AS double) / count(*) AS failure_rate,
    CAST(sum(tokens_in + tokens_out) AS double) / count(*) AS tokens_per_interaction,
    sum(cost_usd) / count(*) AS cost_per_interaction,
    avg(CAST(feedback_rating AS double)) AS avg_rating
FROM interactions
GROUP BY model_version
ORDER BY model_version
