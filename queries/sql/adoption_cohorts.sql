-- Retention by signup month: of the clinicians who signed up in a month (from the period's first
-- month on), how many were active 0, 1, 2... months later.
-- cache: kpi
WITH cohorts AS (
    SELECT clinician_id, date_trunc('month', signup_date) AS cohort_month
    FROM clinicians
    WHERE signup_date >= date_trunc('month', :start_date) AND signup_date <= :end_date
),
sizes AS (
    SELECT cohort_month, count(*) AS cohort_size
    FROM cohorts
    GROUP BY cohort_month
),
activity AS (
    SELECT DISTINCT c.cohort_month, i.clinician_id, date_trunc('month', CAST(i.dt AS date)) AS active_month
    FROM interactions AS i
    JOIN cohorts AS c ON c.clinician_id = i.clinician_id
)
SELECT
    a.cohort_month,
    date_diff('month', a.cohort_month, a.active_month) AS month_offset,
    count(*) AS active_clinicians,
    s.cohort_size,
    CAST(count(*) AS double) / s.cohort_size AS retention
FROM activity AS a
JOIN sizes AS s ON s.cohort_month = a.cohort_month
WHERE a.active_month >= a.cohort_month
GROUP BY a.cohort_month, date_diff('month', a.cohort_month, a.active_month), s.cohort_size
ORDER BY a.cohort_month, month_offset
