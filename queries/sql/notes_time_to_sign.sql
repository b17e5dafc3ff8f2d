-- Notes by time to sign (octave buckets of minutes: 2^b <= minutes < 2^(b+1)) and note type.
-- cache: kpi
SELECT
    CAST(floor(log2(greatest(time_to_sign_min, 1.0))) AS integer) AS bucket,
    note_type,
    count(*) AS notes_drafted
FROM clinical_notes
WHERE time_to_sign_min IS NOT NULL
GROUP BY CAST(floor(log2(greatest(time_to_sign_min, 1.0))) AS integer), note_type
ORDER BY bucket, note_type
