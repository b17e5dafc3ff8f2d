-- The Clinician adoption page's headline numbers: active clinicians, average daily actives,
-- stickiness (average DAU over the clinicians active in the period), new clinicians.
-- cache: kpi
WITH daily AS (
    SELECT dt, count(DISTINCT clinician_id) AS dau
    FROM interactions
    GROUP BY dt
),
period AS (
    SELECT count(DISTINCT clinician_id) AS active_clinicians, count(*) AS interactions
    FROM interactions
),
new_active AS (
    SELECT count(DISTINCT i.clinician_id) AS new_clinicians
    FROM interactions AS i
    JOIN clinicians AS c ON c.clinician_id = i.clinician_id
    WHERE c.signup_date >= :start_date AND c.signup_date <= :end_date
)
SELECT
    period.active_clinicians,
    (SELECT avg(CAST(dau AS double)) FROM daily) AS avg_dau,
    (SELECT avg(CAST(dau AS double)) FROM daily) / nullif(period.active_clinicians, 0) AS stickiness,
    new_active.new_clinicians,
    CAST(period.interactions AS double) / nullif(period.active_clinicians, 0) AS interactions_per_clinician
FROM period
CROSS JOIN new_active
