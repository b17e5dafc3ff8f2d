-- One row per day of the Interactions KPIs, for the cards' sparklines.
-- cache: kpi
SELECT
    CAST(dt AS date) AS day,
    count(*) AS interactions,
    avg(CAST(duration_sec AS double)) AS avg_duration_sec,
    CAST(count_if(status = 'completed') AS double) / count(*) AS completion_rate,
    CAST(count_if(status = 'abandoned') AS double) / count(*) AS abandon_rate,
    avg(CAST(feedback_rating AS double)) AS avg_rating,
    CAST(count(feedback_rating) AS double) / count(*) AS rated_share
FROM interactions
GROUP BY dt
ORDER BY day
