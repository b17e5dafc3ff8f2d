"""Fixtures shared by the suite: a small demo dataset, a query service, and a running app.

The dataset is generated once per session with a fixed end date, at a small scale so that the
suite stays fast; its injected truths are the same as at full scale.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
END_DATE = dt.date(2026, 11, 22)
TEST_SCALE = 0.05
TEST_DAYS = 365


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory) -> Path:
    from demo.generate import generate

    out = tmp_path_factory.mktemp("demo") / "data"
    generate(out, seed=7, scale=TEST_SCALE, end_date=END_DATE, days=TEST_DAYS)
    return out


@pytest.fixture
def service(demo_data, tmp_path):
    """A QueryService over the test dataset with a fresh cache."""
    from queries.service import build_service
    from settings import Settings

    return build_service(Settings(data_dir=demo_data, cache_dir=tmp_path / "cache"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningApp:
    """`python app.py` in a subprocess, on a free port, with its own cache and environment."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "app.log"
        full_env = {**os.environ, **env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self._log_file = open(self.log, "w")  # noqa: SIM115 - open for the life of the process
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=full_env,
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"app exited early:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code < 500:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"app did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log_file.close()


@pytest.fixture(scope="session")
def app_server(demo_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("app")
    app = RunningApp({"DATA_DIR": str(demo_data), "CACHE_DIR": str(work / "cache"), "VAR_DIR": str(work)}, work)
    yield app
    app.stop()
