"""The two errors the runner knows: a task that cannot be done, and a hub that said no."""


class TaskFailure(Exception):
    """Ends a task as `failed` with the protocol's task error shape `{code, message, details?}`."""

    def __init__(self, code, message, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def as_error(self):
        error = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return error


class HubError(Exception):
    """An HTTP error reply from the hub: its status and the `{error: {code, message}}` body, when there is one."""

    def __init__(self, status, code, message):
        super().__init__(f"hub answered {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class Unreachable(Exception):
    """The hub could not be reached at all (refused, reset, timed out): try again later."""
