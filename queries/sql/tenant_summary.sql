-- One row per tenant: plan, go-live, and usage in the selected period.
-- cache: kpi
SELECT
    t.tenant_id,
    t.name,
    t.region,
    t.plan,
    t.go_live_date,
    count(i.interaction_id) AS interactions,
    count(DISTINCT i.clinician_id) AS active_clinicians,
    CAST(count_if(i.status = 'failed') AS double) / nullif(count(i.interaction_id), 0) AS failure_rate,
    coalesce(sum(i.cost_usd), 0) AS ai_cost_usd
FROM tenants AS t
LEFT JOIN interactions AS i ON i.tenant_id = t.tenant_id
GROUP BY t.tenant_id, t.name, t.region, t.plan, t.go_live_date
ORDER BY interactions DESC, t.tenant_id
