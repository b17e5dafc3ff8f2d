"""Large CSV exports, streamed: record batches from the engine become CSV chunks as they are read.

A 1M-row export never exists as one frame or one file in memory: each batch is written out and
dropped before the next is read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv


def csv_chunks(reader: pa.RecordBatchReader) -> Iterator[bytes]:
    """The CSV bytes of `reader`, one chunk per batch; the header comes first, even with no rows."""
    header = io.BytesIO()
    pa_csv.write_csv(pa.Table.from_batches([], schema=reader.schema), header)
    yield header.getvalue()
    options = pa_csv.WriteOptions(include_header=False)
    for batch in reader:
        chunk = io.BytesIO()
        pa_csv.write_csv(batch, chunk, write_options=options)
        yield chunk.getvalue()
