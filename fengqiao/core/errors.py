"""Errors that services raise: a message the user can act on, in their language, and a stable code.

Views turn them into form errors or messages; the API turns them into JSON `{"code", "message"}`
with the status given here. A service that raises has changed nothing (it runs in one transaction).
"""


class DomainError(Exception):
    status = 400
    default_code = "invalid"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        # `message` may be a list (several password rules failed, say): shown one per line.
        if isinstance(message, list | tuple):
            message = [str(m) for m in message]
        super().__init__(" ".join(message) if isinstance(message, list) else str(message))
        self.message = message
        self.code = code or self.default_code
        self.field = field

    def __str__(self):
        return " ".join(self.message) if isinstance(self.message, list) else str(self.message)


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"
