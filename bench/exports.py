"""Peak memory of a 1M-row CSV export: streamed in record batches, against a whole frame.

Each way runs in a fresh process over the same data, so the peak resident set size (ru_maxrss)
is that export's alone; the baseline is the process after start-up, before the export.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.common import table
from settings import ROOT

ROWS = 1_000_000
SQL = f"SELECT * FROM interactions LIMIT {ROWS}"

_WORKER = """
import json, os, resource, sys, tempfile, time
from pathlib import Path
from queries import LOCAL_DEMO
from queries.service import build_service
from settings import Settings
how, data_dir, sql = sys.argv[1], sys.argv[2], sys.argv[3]
service = build_service(Settings(data_dir=data_dir, cache_dir=Path(tempfile.mkdtemp())))
service.engine.execute("SELECT 1")
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
written = 0
with open(os.devnull, "wb") as sink:
    if how == "streamed":
        from exports.stream import csv_chunks
        rows, reader = service.export_sql(sql, LOCAL_DEMO, limit=10_000_000)
        for chunk in csv_chunks(reader):
            written += sink.write(chunk)
    else:
        frame = service.engine.execute(sql).frame
        rows = len(frame)
        written = sink.write(frame.to_csv(index=False).encode())
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": rows, "mb_written": written / 1e6, "seconds": time.perf_counter() - start,
                  "baseline_mb": base / 1024, "peak_mb": peak / 1024, "added_mb": (peak - base) / 1024}))
"""


def measure(how: str, data_dir: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _WORKER, how, str(data_dir), SQL], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return {"export": how, **json.loads(out.stdout.strip().splitlines()[-1])}


def main(data_dir: Path) -> None:
    rows = [measure("streamed", data_dir), measure("whole frame", data_dir)]
    print(f"\n## CSV export of {ROWS:,} rows: peak memory\n")
    print(table(rows, ["export", "rows", "mb_written", "seconds", "baseline_mb", "peak_mb", "added_mb"]))
