-- Specialties by active clinicians and interactions in the period.
-- cache: kpi
SELECT
    c.specialty,
    count(DISTINCT i.clinician_id) AS active_clinicians,
    count(*) AS interactions,
    CAST(count(*) AS double) / count(DISTINCT i.clinician_id) AS interactions_per_clinician
FROM interactions AS i
JOIN clinicians AS c ON c.clinician_id = i.clinician_id
GROUP BY c.specialty
ORDER BY active_clinicians DESC, c.specialty
