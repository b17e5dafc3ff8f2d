-- The AI model page's headline numbers for one period.
-- cache: kpi
SELECT
    count(*) AS interactions,
    approx_percentile(ai_latency_ms, 0.5) AS p50_latency_ms,
    approx_percentile(ai_latency_ms, 0.95) AS p95_latency_ms,
    approx_percentile(ai_latency_ms, 0.99) AS p99_latency_ms,
    CAST(count_if(status = 'failed') AS double) / nullif(count(*), 0) AS failure_rate,
    CAST(sum(tokens_in + tokens_out) AS double) / nullif(count(*), 0) AS tokens_per_interaction,
    sum(cost_usd) / nullif(count(*), 0) AS cost_per_interaction
FROM interactions
