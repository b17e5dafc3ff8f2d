-- Active clinicians per week: new (signed up that week) and returning (signed up before).
-- cache: kpi
WITH weekly AS (
    SELECT DISTINCT date_trunc('week', CAST(i.dt AS date)) AS week, i.clinician_id, c.signup_date
    FROM interactions AS i
    JOIN clinicians AS c ON c.clinician_id = i.clinician_id
)
SELECT
    week,
    count_if(signup_date >= week) AS new_clinicians,
    count_if(signup_date < week) AS returning_clinicians
FROM weekly
GROUP BY week
ORDER BY week
