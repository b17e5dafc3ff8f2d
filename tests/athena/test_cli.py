"""`python -m athena_local --data DIR` generates a missing dataset, serves, and prints the app's settings."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_ath060_cli_generates_the_dataset_and_serves(tmp_path):
    port, s3_port = free_port(), free_port()
    data = tmp_path / "data"
    command = [
        sys.executable,
        "-m",
        "athena_local",
        "--data",
        str(data),
        "--port",
        str(port),
        "--s3-port",
        str(s3_port),
        "--scale",
        "0.02",
        "--days",
        "90",
        "--end-date",
        "2026-11-22",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        health = None
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_athena_local/health", timeout=1) as r:
                    health = json.loads(r.read())
                break
            except OSError:
                assert process.poll() is None, "athena_local exited"
                time.sleep(0.1)
        assert health == {"ok": True, "data_dir": str(data.resolve())}
        assert (data / "manifest.json").is_file()
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=30)
    assert f"export ATHENA_ENDPOINT_URL=http://127.0.0.1:{port}" in out
    assert f"export AWS_ENDPOINT_URL_S3=http://127.0.0.1:{s3_port}" in out
