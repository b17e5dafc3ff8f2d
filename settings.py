"""Every setting the app reads, in one typed object.

Values come from the environment (and an optional `.env` file in the working directory).
`python settings.py` prints the table of variables that README.md carries; a test keeps the two
in step.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"
DEFAULT_MASKING_KEY = "dev-only-masking-key-change-me"


class Settings(BaseSettings):
    """The app's configuration. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # The app
    app_env: Literal["development", "production"] = Field(
        "development", description="`production` refuses unsafe defaults (secret key, demo users)."
    )
    host: str = Field("127.0.0.1", description="Address `python app.py` listens on.")
    port: int = Field(8050, description="Port `python app.py` listens on.")
    web_threads: int = Field(8, description="Requests `python app.py` (waitress) serves at once.")
    secret_key: str = Field(
        DEFAULT_SECRET_KEY, description="Flask session signing key. Set a long random value."
    )
    var_dir: Path = Field(
        ROOT / "var", description="Where generated data, caches and the app database live."
    )
    log_level: str = Field("INFO", description="Python logging level.")

    # The engine
    engine: Literal["duckdb", "athena"] = Field(
        "duckdb", description="`duckdb` (embedded, local Parquet) or `athena` (PyAthena)."
    )
    data_dir: Path | None = Field(
        None, description="Parquet dataset for the DuckDB engine. Default: `$VAR_DIR/data`."
    )
    duckdb_threads: int = Field(2, description="Threads DuckDB may use per query.")
    duckdb_memory_limit: str = Field("4GB", description="DuckDB memory limit.")
    row_cap: int = Field(100_000, description="Most rows any query may return to the app.")
    export_row_limit: int = Field(
        2_000_000, description="Most rows a CSV export may hold; a larger result is refused with a message."
    )

    # Dashboards
    dashboard_slow_after_ms: int = Field(
        1000, description="A chart query still running after this long moves to the progress bar with Cancel."
    )
    dashboard_debug_slow_rows: int = Field(
        0, description="Tests only: above 0, one page also runs a query that is slow by construction."
    )
    dashboard_debug_slow_page: str = Field(
        "overview", description="Tests only: the page that runs the slow query."
    )

    # The demo dataset (generated on first run when DATA_DIR has no manifest)
    demo_seed: int = Field(7, description="Seed of the generated demo dataset.")
    demo_scale: float = Field(1.0, description="Demo volume; 1.0 is about 2M interactions a year.")
    demo_days: int = Field(365, description="Days of demo data.")
    demo_end_date: dt.date | None = Field(
        None, description="Last day of demo data (ISO date). Default: today (UTC)."
    )

    # The result cache
    cache_dir: Path | None = Field(
        None, description="diskcache directory (local disk, never NFS). Default: `$VAR_DIR/cache`."
    )
    cache_size_limit: int = Field(2**30, description="Result cache size limit in bytes.")
    cache_ttl_kpi: int = Field(3600, description="Seconds a KPI/aggregate result stays cached.")
    cache_ttl_detail: int = Field(300, description="Seconds a detail (row-level) result stays.")
    cache_ttl_metadata: int = Field(86400, description="Seconds catalog metadata stays cached.")
    cache_lock_timeout: int = Field(
        300, description="Seconds a single-flight lock is held before others may recompute."
    )

    # Athena (ENGINE=athena). Credentials come from the standard AWS chain, never from here.
    athena_region: str = Field("us-east-1", description="AWS region of the Athena work group.")
    athena_work_group: str = Field("primary", description="Athena work group.")
    athena_catalog: str = Field("AwsDataCatalog", description="Athena data catalog.")
    athena_database: str = Field("ai_product", description="Athena database with the tables.")
    athena_s3_staging_dir: str | None = Field(
        None, description="s3:// location for query results (if the work group does not set it)."
    )
    athena_endpoint_url: str | None = Field(
        None, description="Override the Athena endpoint (a local Athena-compatible service)."
    )
    athena_poll_interval: float = Field(0.05, description="Seconds between state polls.")
    athena_poll_max_interval: float = Field(
        1.0, description="Longest wait between state polls: from ATHENA_POLL_INTERVAL it grows 1.25x per poll."
    )
    athena_cursor: Literal["auto", "arrow", "pandas", "default"] = Field(
        "auto", description="How results are fetched: `auto` (fastest exact path), or PyAthena's `arrow`, "
        "`pandas` or `default` cursor (docs/athena.md)."
    )
    athena_unload: bool = Field(
        False, description="Fetch through UNLOAD to Parquet when the SQL allows it (arrow/pandas cursors only)."
    )
    athena_result_reuse: bool = Field(False, description="Let Athena reuse the result of an identical recent query.")
    athena_result_reuse_minutes: int = Field(60, description="How old (minutes) a reused Athena result may be.")
    athena_query_timeout: float = Field(
        300.0, description="Seconds a query may take before it is stopped in Athena (StopQueryExecution)."
    )
    athena_max_retries: int = Field(
        5, description="Retries of a throttled Athena call or a failed S3 read, with backoff and jitter."
    )
    athena_retry_base_delay: float = Field(0.2, description="First retry delay in seconds; it doubles per retry.")
    athena_retry_max_delay: float = Field(10.0, description="Longest retry delay in seconds (before jitter).")
    athena_price_per_tb_usd: float = Field(5.0, description="Athena price per TB scanned, for cost figures.")
    athena_bytes_budget_per_query: int | None = Field(
        None, description="Most bytes one query may scan; larger queries are refused before they run."
    )
    athena_bytes_budget_per_user_day: int | None = Field(
        None, description="Most bytes one user's queries may scan per UTC day."
    )
    athena_data_location: str | None = Field(
        None,
        description="s3:// root of the tables (LOCATION in athena_ddl.sql) or a local copy: partition sizes "
        "for scan estimates, the latest day and the data version.",
    )
    athena_metadata_ttl: int = Field(300, description="Seconds a listing of ATHENA_DATA_LOCATION is reused.")

    # Sign-in and audit
    users_file: Path | None = Field(
        None, description="JSON file of users (`python -m auth users ...` manages it). Default: `$VAR_DIR/users.json`."
    )
    app_db: Path | None = Field(
        None, description="The app's own SQLite database (audit log, sessions, sign-in throttle). "
        "Default: `$VAR_DIR/app.db`."
    )
    demo_users: bool = Field(
        True, description="On the embedded engine in development, create one demo user per role when the "
        "users file does not exist yet."
    )
    session_lifetime_minutes: int = Field(
        480, gt=0, description="Minutes a sign-in lasts; after that the user signs in again."
    )
    session_cookie_secure: bool = Field(
        False, description="Send the session cookie over HTTPS only (required when `APP_ENV=production`)."
    )
    masking_key: str = Field(
        DEFAULT_MASKING_KEY, description="Key of the keyed hash that pseudonymises `patient_id` for viewers. "
        "Set a long random value."
    )
    login_max_failures_user: int = Field(
        5, gt=0, description="Failed sign-ins for one user name within the window before sign-in answers 429."
    )
    login_max_failures_ip: int = Field(
        20, gt=0, description="Failed sign-ins from one address within the window before sign-in answers 429."
    )
    login_failure_window: int = Field(
        900, gt=0, description="Seconds failed sign-ins are remembered for throttling."
    )
    trusted_proxy_hops: int = Field(
        0, ge=0, description="Reverse proxies in front of the app whose X-Forwarded-* headers are trusted."
    )
    audit_log_file: Path | None = Field(
        None, description="Also append audit events as JSON lines to this file. Default: the process log (stderr)."
    )

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir or self.var_dir / "data"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.var_dir / "cache"

    @property
    def resolved_users_file(self) -> Path:
        return self.users_file or self.var_dir / "users.json"

    @property
    def resolved_app_db(self) -> Path:
        return self.app_db or self.var_dir / "app.db"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (tests call `get_settings.cache_clear()`)."""
    return Settings()


def markdown_table() -> str:
    """The README's table of environment variables."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "–" if default is None else f"`{str(default).replace(str(ROOT), '.')}`"
        rows.append(f"| `{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(rows)


README_BEGIN, README_END = "<!-- settings:begin -->", "<!-- settings:end -->"


def write_readme_table(readme: Path = ROOT / "README.md") -> None:
    """Replace the table between the README's settings markers with the current one."""
    text = readme.read_text()
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_BEGIN}\n{markdown_table()}\n{README_END}{tail}")


if __name__ == "__main__":
    import sys

    if "--write-readme" in sys.argv:
        write_readme_table()
    else:
        print(markdown_table())
