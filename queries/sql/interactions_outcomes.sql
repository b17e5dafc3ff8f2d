-- Interactions per day by outcome (completed, failed, abandoned).
-- cache: kpi
SELECT
    CAST(dt AS date) AS day,
    status,
    count(*) AS interactions
FROM interactions
GROUP BY dt, status
ORDER BY day, status
