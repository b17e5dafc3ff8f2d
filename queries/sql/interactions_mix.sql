-- Interactions per day by type and channel: the volume chart and the week-over-week top mover.
-- cache: kpi
SELECT
    CAST(dt AS date) AS day,
    interaction_type,
    channel,
    count(*) AS interactions
FROM interactions
GROUP BY dt, interaction_type, channel
ORDER BY day, interaction_type, channel
