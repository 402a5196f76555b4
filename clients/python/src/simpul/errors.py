"""Exceptions named after the protocol's error codes (protocol/PROTOCOL.md, section 6).

Every HTTP error body and every failed task carries ``{"code", "message", "details"?}``; the client raises the class
that belongs to ``code`` with the hub's (or the runner's) message. Unknown codes raise :class:`SimpulError` itself.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Type


class SimpulError(Exception):
    """Base class: ``code``, ``message`` and ``details`` as the hub sent them; ``status`` is the HTTP status (or None
    for a failed task); ``task_id`` names the task when the error is a task's."""

    code: str = "error"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        details: Any = None,
        status: Optional[int] = None,
        task_id: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details
        self.status = status
        self.task_id = task_id

    def __str__(self) -> str:
        where = f" (task {self.task_id})" if self.task_id else ""
        return f"{self.code}: {self.message}{where}"


# ---- HTTP errors ------------------------------------------------------------------------------------------------


class BadRequest(SimpulError):
    """400 ``bad_request``: the body did not match the protocol's schema; ``details`` lists every problem."""

    code = "bad_request"


class ProtocolMismatch(SimpulError):
    code = "protocol_mismatch"


class Unauthorized(SimpulError):
    """401: no credentials, or credentials that are not valid (a wrong password, an expired or revoked token)."""

    code = "unauthorized"


class Forbidden(SimpulError):
    code = "forbidden"


class NotFound(SimpulError):
    """404: no such task, study, runner or route (or one that belongs to another analyst)."""

    code = "not_found"


class Conflict(SimpulError):
    code = "conflict"


class StaleLease(SimpulError):
    code = "stale_lease"


class PayloadTooLarge(SimpulError):
    code = "payload_too_large"


class RateLimited(SimpulError):
    """429: too many tasks a minute, too many result waits, or a login locked out. ``retry_after`` is in seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: Optional[float] = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class Unavailable(SimpulError):
    code = "unavailable"


class InternalError(SimpulError):
    code = "internal"


# ---- task errors ------------------------------------------------------------------------------------------------


class DatasetNotFound(SimpulError):
    """No runner you may use serves the dataset (the message names close names when there are some)."""

    code = "dataset_not_found"


class UnknownColumn(SimpulError):
    code = "unknown_column"


class InvalidParams(SimpulError):
    code = "invalid_params"


class PolicyDenied(SimpulError):
    """The data owner's policy refused the task; the message names the rule."""

    code = "policy_denied"


class TaskTimeout(SimpulError):
    code = "timeout"


class TaskLost(SimpulError):
    code = "lost"


class TaskCanceled(SimpulError):
    code = "canceled"


class OpFailed(SimpulError):
    code = "op_failed"


class ReleaseDenied(SimpulError):
    """The data owner reviewed the result and did not release it."""

    code = "release_denied"


class ReleaseExpired(SimpulError):
    """The data owner did not review the result within the policy's ``review_ttl``."""

    code = "release_expired"


_CLASSES: Tuple[Type[SimpulError], ...] = (
    BadRequest, ProtocolMismatch, Unauthorized, Forbidden, NotFound, Conflict, StaleLease, PayloadTooLarge,
    RateLimited, Unavailable, InternalError, DatasetNotFound, UnknownColumn, InvalidParams, PolicyDenied,
    TaskTimeout, TaskLost, TaskCanceled, OpFailed, ReleaseDenied, ReleaseExpired,
)
ERRORS: Dict[str, Type[SimpulError]] = {cls.code: cls for cls in _CLASSES}


def error_from(
    info: Any, *, status: Optional[int] = None, task_id: Optional[str] = None, retry_after: Optional[float] = None
) -> SimpulError:
    """The exception for an error object ``{code, message, details?}`` (or anything else the hub answered)."""
    if not isinstance(info, dict):
        return SimpulError(str(info) or f"HTTP {status}", code="error", status=status, task_id=task_id)
    code = str(info.get("code") or "error")
    message = str(info.get("message") or code)
    details = info.get("details")
    cls = ERRORS.get(code, SimpulError)
    if cls is RateLimited:
        if retry_after is None and isinstance(details, dict) and isinstance(details.get("retry_after_s"), (int, float)):
            retry_after = float(details["retry_after_s"])
        return RateLimited(message, code=code, details=details, status=status, task_id=task_id, retry_after=retry_after)
    return cls(message, code=code, details=details, status=status, task_id=task_id)
