"""Start the whole local stack: moto's S3 server, the Athena service, and the dataset behind them."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from athena_local.faults import INTERNAL_AGENT, Faults, S3FaultMiddleware
from athena_local.service import AthenaHTTPServer, AthenaService
from athena_local.warehouse import Warehouse

log = logging.getLogger(__name__)

RESULTS_BUCKET = "athena-local-results"
REGION = "us-east-1"
# moto accepts any credentials; these are what the stack's own clients sign with.
LOCAL_CREDENTIALS = {"aws_access_key_id": "athena-local", "aws_secret_access_key": "athena-local"}


def ensure_dataset(
    data_dir: Path, *, scale: float = 1.0, seed: int = 7, days: int = 365, end_date: dt.date | None = None
) -> dict:
    """The manifest of the dataset in `data_dir`, generating the demo dataset there if it has none."""
    from demo.generate import generate, read_manifest

    manifest = read_manifest(data_dir)
    if manifest is None:
        log.info("no dataset at %s: generating the demo dataset (scale %s)", data_dir, scale)
        manifest = generate(data_dir, seed=seed, scale=scale, end_date=end_date, days=days)
    return manifest


class LocalAthena:
    """moto's S3 server plus the Athena service, on loopback ports, in this process's threads.

    >>> with LocalAthena("var/data") as athena:      # doctest: +SKIP
    ...     print(athena.endpoint_url, athena.s3_endpoint_url, athena.staging_dir)
    """

    def __init__(
        self,
        data_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        s3_port: int = 0,
        workers: int = 2,
        database: str = "ai_product",
    ) -> None:
        self.data_dir = Path(data_dir)
        self.faults = Faults()
        self._host, self._port, self._s3_port = host, port, s3_port
        self._workers, self._database = workers, database
        self._s3_server: BaseWSGIServer | None = None
        self._http: AthenaHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def s3_endpoint_url(self) -> str:
        host, port = self._s3_server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def endpoint_url(self) -> str:
        return self._http.url

    @property
    def staging_dir(self) -> str:
        return f"s3://{RESULTS_BUCKET}/staging/"

    @property
    def service(self) -> AthenaService:
        return self._http.service

    def client_env(self) -> dict[str, str]:
        """Environment that points the app (ENGINE=athena) and any AWS SDK at this stack."""
        return {
            "ENGINE": "athena",
            "ATHENA_ENDPOINT_URL": self.endpoint_url,
            "ATHENA_S3_STAGING_DIR": self.staging_dir,
            "ATHENA_REGION": REGION,
            "ATHENA_WORK_GROUP": "primary",
            "ATHENA_DATABASE": self._database,
            "ATHENA_DATA_LOCATION": str(self.data_dir.resolve()),
            "AWS_ENDPOINT_URL_S3": self.s3_endpoint_url,
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": REGION,
        }

    def start(self) -> LocalAthena:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per S3 request otherwise
        app = S3FaultMiddleware(DomainDispatcherApplication(create_backend_app), self.faults)
        self._s3_server = make_server(
            self._host, self._s3_port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._serve(self._s3_server, "athena-local-s3")
        s3 = self.s3_client(internal=True)
        s3.create_bucket(Bucket=RESULTS_BUCKET)
        warehouse = Warehouse(self.data_dir, databases=(self._database,))
        service = AthenaService(
            warehouse,
            s3,
            self.faults,
            workers=self._workers,
            database=self._database,
            work_groups={"primary": f"s3://{RESULTS_BUCKET}/primary/"},
        )
        self._http = AthenaHTTPServer((self._host, self._port), service)
        self._serve(self._http, "athena-local-http")
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.service.shutdown()
            self._http.server_close()
        if self._s3_server is not None:
            self._s3_server.shutdown()
            self._s3_server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)

    def s3_client(self, *, internal: bool = False):
        """A boto3 S3 client of the stack's store (`internal`: neither faulted nor counted)."""
        config = Config(user_agent_extra=INTERNAL_AGENT if internal else None, retries={"mode": "standard"})
        return boto3.client(
            "s3", endpoint_url=self.s3_endpoint_url, region_name=REGION, config=config, **LOCAL_CREDENTIALS
        )

    def __enter__(self) -> LocalAthena:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, server, name: str) -> None:
        thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)
