"""A client of the service's admin API: arm faults, read and reset the call counters.

    admin = Admin("http://127.0.0.1:8642")
    admin.throttle(times=2, operations=["StartQueryExecution"])   # the next two starts are throttled
    admin.s3_slowdown(times=None)                                 # every S3 GET/HEAD answers SlowDown
    admin.clear()
    admin.stats()   # {"StartQueryExecution": 3, "StartQueryExecution:ThrottlingException": 2, "S3:GET": 4, ...}

The same over plain HTTP: POST /_athena_local/faults {"rules": [{"kind": "throttle", "times": 2}]},
DELETE /_athena_local/faults, GET /_athena_local/stats, POST /_athena_local/stats/reset.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterable

from athena_local.service import ADMIN_PREFIX


class Admin:
    """Talks to the admin API of one running service."""

    def __init__(self, endpoint_url: str) -> None:
        self._base = endpoint_url.rstrip("/") + ADMIN_PREFIX

    def throttle(
        self, times: int | None = 1, operations: Iterable[str] = (), code: str = "ThrottlingException"
    ) -> None:
        """The next `times` calls (of `operations`, or of any operation) answer `code`."""
        self._send(
            "POST",
            "faults",
            {"rules": [{"kind": "throttle", "times": times, "operations": list(operations), "code": code}]},
        )

    def s3_slowdown(self, times: int | None = 1) -> None:
        """The next `times` S3 GET/HEAD requests from clients answer 503 SlowDown (None: all of them)."""
        self._send("POST", "faults", {"rules": [{"kind": "s3_slowdown", "times": times}]})

    def clear(self) -> None:
        self._send("DELETE", "faults")

    def stats(self) -> dict[str, int]:
        return self._send("GET", "stats")["calls"]

    def reset_stats(self) -> None:
        self._send("POST", "stats/reset")

    def health(self) -> dict:
        return self._send("GET", "health")

    def _send(self, method: str, path: str, payload: dict | None = None) -> dict:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self._base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"{}")
