-- Interactions by type and channel, with failure rate and median latency, for the breakdown chart.
-- cache: kpi
SELECT
    interaction_type,
    channel,
    count(*) AS interactions,
    CAST(count_if(status = 'failed') AS double) / count(*) AS failure_rate,
    approx_percentile(ai_latency_ms, 0.5) AS p50_latency_ms
FROM interactions
GROUP BY interaction_type, channel
ORDER BY interaction_type, channel
