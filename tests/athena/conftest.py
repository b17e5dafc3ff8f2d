"""The Athena path end to end: a small dataset, moto's S3 server and the local Athena service.

Everything is real HTTP on free loopback ports in this process's threads: the tests drive the real
PyAthena, boto3 and pyarrow code. The AWS environment (S3 endpoint, dummy credentials) is set for
the session and restored afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from athena_local import Admin, LocalAthena

END_DATE = dt.date(2026, 11, 22)
SCALE = 0.02
DAYS = 120


@pytest.fixture(scope="session")
def athena_data(tmp_path_factory) -> Path:
    from demo.generate import generate

    out = tmp_path_factory.mktemp("athena") / "data"
    generate(out, seed=7, scale=SCALE, end_date=END_DATE, days=DAYS)
    return out


@pytest.fixture(scope="session")
def local_athena(athena_data) -> Iterator[LocalAthena]:
    stack = LocalAthena(athena_data).start()
    env = stack.client_env()
    with pytest.MonkeyPatch.context() as patch:
        for key in (
            "AWS_ENDPOINT_URL_S3",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION",
        ):
            patch.setenv(key, env[key])
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_SESSION_TOKEN", raising=False)
        yield stack
    stack.stop()


@pytest.fixture
def admin(local_athena) -> Iterator[Admin]:
    """The service's admin API; faults are cleared and counters reset around each test."""
    client = Admin(local_athena.endpoint_url)
    client.clear()
    client.reset_stats()
    yield client
    client.clear()


@pytest.fixture
def athena_settings(local_athena, athena_data, tmp_path) -> Callable[..., object]:
    """Settings for ENGINE=athena against the local service; keyword arguments override."""
    from settings import Settings

    def make(**overrides):
        values = {
            "engine": "athena",
            "var_dir": tmp_path / "var",
            "athena_endpoint_url": local_athena.endpoint_url,
            "athena_s3_staging_dir": local_athena.staging_dir,
            "athena_region": "us-east-1",
            "athena_data_location": str(athena_data),
            "athena_poll_interval": 0.005,
            "athena_poll_max_interval": 0.2,
            "athena_retry_base_delay": 0.02,
            "athena_retry_max_delay": 0.2,
            "athena_max_retries": 3,
            "athena_query_timeout": 60.0,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def athena_engine(athena_settings):
    from queries.engines.athena import AthenaEngine

    return AthenaEngine(athena_settings())


@pytest.fixture(scope="session")
def duck_engine(athena_data):
    from queries.engines.duckdb import DuckDBEngine

    return DuckDBEngine(athena_data)


@pytest.fixture
def s3(local_athena):
    """A boto3 S3 client of the local store (not counted by the admin stats)."""
    return local_athena.s3_client(internal=True)


@pytest.fixture
def athena_client(local_athena):
    """A plain boto3 Athena client of the local service, without botocore retries."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "athena",
        endpoint_url=local_athena.endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
