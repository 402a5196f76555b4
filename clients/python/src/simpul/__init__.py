"""Simpul's Python client: ask a hub's runners for rows, statistics, models, files and federated studies, and get
pandas DataFrames back. See clients/python/README.md."""
from .client import MAX_PAGE_ROWS, Client
from .errors import (
    BadRequest, Conflict, DatasetNotFound, Forbidden, InternalError, InvalidParams, NotFound, OpFailed, PayloadTooLarge,
    PolicyDenied, ProtocolMismatch, RateLimited, ReleaseDenied, ReleaseExpired, SimpulError, StaleLease, TaskCanceled,
    TaskLost, TaskTimeout, Unauthorized, Unavailable, UnknownColumn,
)
from .filters import Column, Expr, col
from .frames import Clusters, Fit, Result
from .tasks import Study, Task

__version__ = "0.1.0"

__all__ = [
    "Client", "col", "Column", "Expr", "Task", "Study", "Result", "Fit", "Clusters", "MAX_PAGE_ROWS",
    "SimpulError", "BadRequest", "ProtocolMismatch", "Unauthorized", "Forbidden", "NotFound", "Conflict", "StaleLease",
    "PayloadTooLarge", "RateLimited", "Unavailable", "InternalError", "DatasetNotFound", "UnknownColumn", "InvalidParams",
    "PolicyDenied", "TaskTimeout", "TaskLost", "TaskCanceled", "OpFailed", "ReleaseDenied", "ReleaseExpired",
]
