-- Tenants by active clinicians and interactions in the period (the user's tenants only).
-- cache: kpi
SELECT
    t.tenant_id,
    t.name,
    count(DISTINCT i.clinician_id) AS active_clinicians,
    count(i.interaction_id) AS interactions,
    CAST(count(i.interaction_id) AS double) / nullif(count(DISTINCT i.clinician_id), 0) AS interactions_per_clinician
FROM tenants AS t
LEFT JOIN interactions AS i ON i.tenant_id = t.tenant_id
GROUP BY t.tenant_id, t.name
ORDER BY active_clinicians DESC, t.tenant_id
