"""The data layer: named or ad hoc Athena SQL in, pandas frames out. Knows nothing of Dash."""

from queries.errors import DataUnavailable, QueryError, QueryRejected
from queries.filters import Filters
from queries.principal import LOCAL_DEMO, Principal
from queries.service import QueryRecord, QueryService, get_service, run

__all__ = [
    "DataUnavailable",
    "Filters",
    "LOCAL_DEMO",
    "Principal",
    "QueryError",
    "QueryRecord",
    "QueryRejected",
    "QueryService",
    "get_service",
    "run",
]
