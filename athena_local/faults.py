"""Fault injection and call counting for the local Athena service and its S3 store.

A test asks for faults in two ways:

- **Per query, in the SQL**: a block comment anywhere in the statement,
  `/* athena-local: slow=5, fail=HIVE_BAD_DATA */`. Keys: `slow=SECONDS` (the query stays RUNNING
  that long before it runs; a StopQueryExecution ends the wait), `queue=SECONDS` (it stays QUEUED
  that long), `fail=ERROR_NAME` (it ends FAILED with that error name in its StateChangeReason).
- **Per API call, over HTTP** (admin endpoint of the service, see `athena_local.admin`): "the next N
  calls of an Athena operation answer ThrottlingException / TooManyRequestsException" and "the next N
  S3 GET/HEAD requests answer 503 SlowDown". Rules with `times: null` last until cleared.

Every Athena API call and every S3 request from a client is counted, so tests and benchmarks can
see retries and the number of HTTP calls a query took.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

MARKER = re.compile(r"/\*\s*athena-local:(?P<body>.*?)\*/", re.DOTALL)
THROTTLE_CODES = ("ThrottlingException", "TooManyRequestsException")
# The service's own S3 client sends this in its User-Agent; its writes are neither faulted nor
# counted, because the figures are about what a client of Athena sees.
INTERNAL_AGENT = "athena-local-writer"

_S3_SLOWDOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message><RequestId>athena-local</RequestId></Error>"
)


@dataclass(frozen=True)
class Markers:
    """The faults one statement asks for in its `/* athena-local: ... */` comments."""

    slow: float = 0.0
    queue: float = 0.0
    fail: str | None = None


def parse_markers(sql: str) -> Markers:
    """Read the `/* athena-local: key=value, ... */` comments of a statement.

    >>> parse_markers("SELECT 1 /* athena-local: slow=2.5, fail=HIVE_BAD_DATA */")
    Markers(slow=2.5, queue=0.0, fail='HIVE_BAD_DATA')
    """
    values: dict[str, Any] = {}
    for match in MARKER.finditer(sql):
        for item in match.group("body").split(","):
            key, _, value = item.strip().partition("=")
            if key in ("slow", "queue"):
                values[key] = float(value or 0)
            elif key == "fail":
                values[key] = value.strip() or "GENERIC_INTERNAL_ERROR"
    return Markers(**values)


@dataclass
class Rule:
    """One armed fault: `kind` is "throttle" (Athena API) or "s3_slowdown" (S3 GET/HEAD).

    `operations` limits a throttle to those Athena operations (empty: every operation); `times`
    is how many calls it hits (None: until cleared).
    """

    kind: str
    times: int | None = 1
    operations: tuple[str, ...] = ()
    code: str = "ThrottlingException"

    def __post_init__(self) -> None:
        if self.kind not in ("throttle", "s3_slowdown"):
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.kind == "throttle" and self.code not in THROTTLE_CODES:
            raise ValueError(f"throttle code must be one of {THROTTLE_CODES}")
        self.operations = tuple(self.operations)


@dataclass
class Faults:
    """The armed rules and the call counters, shared by the Athena service and the S3 middleware."""

    rules: list[Rule] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arm(self, rules: Iterable[Rule]) -> None:
        with self._lock:
            self.rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.calls)

    def athena_call(self, operation: str) -> str | None:
        """Count one Athena API call; return the throttling error code to answer, if any."""
        with self._lock:
            self.calls[operation] += 1
            rule = self._take(
                lambda r: r.kind == "throttle" and (not r.operations or operation in r.operations)
            )
            if rule is None:
                return None
            self.calls[f"{operation}:{rule.code}"] += 1
            return rule.code

    def s3_call(self, method: str) -> bool:
        """Count one S3 request from a client; return True when it must answer SlowDown."""
        with self._lock:
            self.calls[f"S3:{method}"] += 1
            if method not in ("GET", "HEAD"):
                return False
            rule = self._take(lambda r: r.kind == "s3_slowdown")
            if rule is not None:
                self.calls["S3:SlowDown"] += 1
            return rule is not None

    def _take(self, matches: Callable[[Rule], bool]) -> Rule | None:
        for rule in self.rules:
            if matches(rule):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                return rule
        return None


class S3FaultMiddleware:
    """WSGI middleware in front of moto's S3 app: counts client requests and answers SlowDown."""

    def __init__(self, app: Callable, faults: Faults) -> None:
        self._app = app
        self._faults = faults

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if INTERNAL_AGENT in environ.get("HTTP_USER_AGENT", ""):
            return self._app(environ, start_response)
        if self._faults.s3_call(environ.get("REQUEST_METHOD", "")):
            body = b"" if environ.get("REQUEST_METHOD") == "HEAD" else _S3_SLOWDOWN
            start_response(
                "503 Slow Down",
                [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return self._app(environ, start_response)
