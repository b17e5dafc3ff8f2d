-- Daily active clinicians.
-- cache: kpi
SELECT CAST(dt AS date) AS day, count(DISTINCT clinician_id) AS active_clinicians
FROM interactions
GROUP BY dt
ORDER BY day
