-- Monthly active clinicians with stickiness: average daily actives in the month over its actives.
-- cache: kpi
WITH daily AS (
    SELECT dt, count(DISTINCT clinician_id) AS dau
    FROM interactions
    GROUP BY dt
),
monthly AS (
    SELECT date_trunc('month', CAST(dt AS date)) AS month, count(DISTINCT clinician_id) AS mau
    FROM interactions
    GROUP BY date_trunc('month', CAST(dt AS date))
),
dau AS (
    SELECT date_trunc('month', CAST(dt AS date)) AS month, avg(CAST(dau AS double)) AS avg_dau
    FROM daily
    GROUP BY date_trunc('month', CAST(dt AS date))
)
SELECT
    monthly.month,
    monthly.mau AS active_clinicians,
    dau.avg_dau,
    dau.avg_dau / monthly.mau AS stickiness
FROM monthly
JOIN dau ON dau.month = monthly.month
ORDER BY monthly.month
