-- Feedback ratings (1-5) given, by interaction type.
-- cache: kpi
SELECT
    feedback_rating AS rating,
    interaction_type,
    count(*) AS interactions
FROM interactions
WHERE feedback_rating IS NOT NULL
GROUP BY feedback_rating, interaction_type
ORDER BY rating, interaction_type
