-- One row per day: notes drafted, AI-drafted share, acceptance, edit ratio and time to sign.
-- cache: kpi
SELECT
    CAST(dt AS date) AS day,
    count(*) AS notes_drafted,
    CAST(count_if(ai_generated) AS double) / count(*) AS ai_share,
    CAST(count_if(ai_generated AND accepted) AS double) / nullif(count_if(ai_generated), 0) AS acceptance_rate,
    avg(CASE WHEN ai_generated THEN edit_ratio END) AS avg_edit_ratio,
    approx_percentile(time_to_sign_min, 0.5) AS median_time_to_sign_min,
    avg(CAST(word_count AS double)) AS avg_word_count
FROM clinical_notes
GROUP BY dt
ORDER BY day
