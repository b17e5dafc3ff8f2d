-- Slow by construction (a three-way cross join of :n generated rows each), for the long-query
-- test and for trying progress and Cancel by hand; pages run it only when
-- DASHBOARD_DEBUG_SLOW_ROWS is set (see pages/_loading.py).
-- cache: detail
SELECT count(*) AS row_count, sum((a.x * b.y + c.z) % 7) AS checksum
FROM UNNEST(sequence(1, :n)) AS a (x)
CROSS JOIN UNNEST(sequence(1, :n)) AS b (y)
CROSS JOIN UNNEST(sequence(1, :n)) AS c (z)
