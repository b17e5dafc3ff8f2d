-- The Interactions page's headline numbers for one period.
-- cache: kpi
SELECT
    count(*) AS interactions,
    avg(CAST(duration_sec AS double)) AS avg_duration_sec,
    CAST(count_if(status = 'completed') AS double) / nullif(count(*), 0) AS completion_rate,
    CAST(count_if(status = 'abandoned') AS double) / nullif(count(*), 0) AS abandon_rate,
    avg(CAST(feedback_rating AS double)) AS avg_rating,
    CAST(count(feedback_rating) AS double) / nullif(count(*), 0) AS rated_share
FROM interactions
