-- Notes by word count (octave buckets: 2^b <= words < 2^(b+1)) and note type.
-- cache: kpi
SELECT
    CAST(floor(log2(greatest(word_count, 1))) AS integer) AS bucket,
    note_type,
    count(*) AS notes_drafted
FROM clinical_notes
GROUP BY CAST(floor(log2(greatest(word_count, 1))) AS integer), note_type
ORDER BY bucket, note_type
