-- Notes drafted by note type and specialty, with how many the AI drafted.
-- cache: kpi
SELECT
    note_type,
    specialty,
    count(*) AS notes_drafted,
    count_if(ai_generated) AS ai_drafted
FROM clinical_notes
GROUP BY note_type, specialty
ORDER BY note_type, specialty
