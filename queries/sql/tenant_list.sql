-- The tenants the user may see, for the tenant filter.
-- cache: metadata
SELECT tenant_id, name, region, plan, go_live_date
FROM tenants
ORDER BY name
