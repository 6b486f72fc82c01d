"""Domain errors: services raise them, the glue turns them into `{ok: false, error}`."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no; `code` is for programs, `message` is for the person."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str]:
        """The `error` object of a refused command."""
        return {"code": self.code, "message": self.message}


class Invalid(DomainError):
    """The input breaks a rule (too long, empty, wrong type)."""

    code = "invalid"
    http_status = 400


class NotFound(DomainError):
    """No such café, table, note..."""

    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    """The caller may not do this (wrong secret, someone else's note)."""

    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    """The request clashes with what is stored (same note id, different text)."""

    code = "conflict"
    http_status = 409


class Throttled(DomainError):
    """Too many tries from here just now: wait, then try again."""

    code = "throttled"
    http_status = 429
