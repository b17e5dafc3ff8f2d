-- The model versions, oldest rollout first, for the model-version filter and pickers.
-- cache: metadata
SELECT model_version, min(dt) AS first_day
FROM interactions
GROUP BY model_version
ORDER BY first_day, model_version
