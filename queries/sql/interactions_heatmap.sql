-- Interactions by ISO weekday (1 = Monday) and UTC hour of the day.
-- cache: kpi
SELECT
    day_of_week(started_at) AS weekday,
    hour(started_at) AS hour,
    count(*) AS interactions
FROM interactions
GROUP BY day_of_week(started_at), hour(started_at)
ORDER BY weekday, hour
