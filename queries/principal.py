"""Who is asking: the identity every query runs under."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("viewer", "analyst", "admin")


@dataclass(frozen=True)
class Principal:
    """A signed-in user as the query layer sees it.

    `tenants` is the set of organisations whose rows the user may read; None means every tenant
    (admins only). The query layer scopes every table to it before a cache key is made.
    """

    user_id: str
    role: str = "viewer"
    tenants: frozenset[str] | None = frozenset()

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if self.tenants is None and self.role != "admin":
            raise ValueError("only admins may read every tenant")

    @property
    def all_tenants(self) -> bool:
        return self.tenants is None


# Before sign-in exists (and in scripts and benchmarks) queries run as this local admin.
LOCAL_DEMO = Principal(user_id="demo", role="admin", tenants=None)
