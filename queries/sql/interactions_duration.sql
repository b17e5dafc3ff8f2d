-- Interactions by duration bucket (octaves: bucket b covers 2^b <= seconds < 2^(b+1)) and type.
-- cache: kpi
SELECT
    CAST(floor(log2(greatest(duration_sec, 1))) AS integer) AS bucket,
    interaction_type,
    count(*) AS interactions
FROM interactions
GROUP BY CAST(floor(log2(greatest(duration_sec, 1))) AS integer), interaction_type
ORDER BY bucket, interaction_type
