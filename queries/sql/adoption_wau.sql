-- Weekly active clinicians (ISO weeks, starting Monday; the first and last may be partial).
-- cache: kpi
SELECT date_trunc('week', CAST(dt AS date)) AS week, count(DISTINCT clinician_id) AS active_clinicians
FROM interactions
GROUP BY date_trunc('week', CAST(dt AS date))
ORDER BY week
