"""A local Athena-compatible service for tests, benchmarks and demos (never used in production).

It speaks Athena's JSON API over HTTP, runs the SQL with DuckDB over the demo dataset (transpiled
from Athena SQL with `queries.dialect`), and writes results into moto's S3 server like Athena
does, so the app's real PyAthena, boto3 and pyarrow code runs end to end without AWS.

    python -m athena_local --data var/data        # see docs/athena.md

`LocalAthena` starts the same stack inside a process (tests); `Admin` arms faults.
"""

from athena_local.admin import Admin
from athena_local.stack import LocalAthena, ensure_dataset

__all__ = ["Admin", "LocalAthena", "ensure_dataset"]
