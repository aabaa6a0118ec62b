"""One error hierarchy for amikg.

Every way in (CLI, HTTP, Python) raises these; the CLI turns them into a message and an exit code,
the server into one JSON/HTML error shape with the status given by ``http_status``.
"""

from __future__ import annotations


class AmikgError(Exception):
    """Base class of every error amikg reports to a user."""

    #: HTTP status the server answers with for this error.
    http_status = 400
    #: Exit code of the CLI for this error.
    exit_code = 2

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = {k: v for k, v in details.items() if v is not None}

    def to_dict(self) -> dict:
        return {"error": type(self).__name__, "message": self.message, **self.details}


class ConfigError(AmikgError):
    """A setting is missing or wrong (names the setting)."""

    http_status = 500


class StoreError(AmikgError):
    """The store could not be opened or reached, or refused an operation."""

    http_status = 503


class StoreLockedError(StoreError):
    """The embedded store directory is held by another process."""


class LoadError(AmikgError):
    """An input file could not be read or parsed. Names the file, line and cause."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None,
                 column: int | None = None, **details):
        super().__init__(message, source=source, line=line, column=column, **details)
        self.source, self.line, self.column = source, line, column


class FormatError(AmikgError):
    """An unknown or unsupported format name or media type."""

    http_status = 415


class QueryError(AmikgError):
    """A query or update is malformed or was refused (parser message included)."""


class QueryTimeout(AmikgError):
    """A query ran past its time limit and was stopped."""

    http_status = 503


class LimitExceeded(AmikgError):
    """A result or request exceeded a configured size limit."""

    http_status = 413


class NotFound(AmikgError):
    """A graph, resource, query or cluster that does not exist."""

    http_status = 404


class AuthenticationRequired(AmikgError):
    """A write (or, when so configured, a read) was sent without credentials."""

    http_status = 401


class ForbiddenOperation(AmikgError):
    """An operation that the configuration does not allow (e.g. SERVICE to a host not allow-listed)."""

    http_status = 403


class ParameterError(AmikgError):
    """A named-query parameter is unknown, missing or of the wrong type (names the parameter)."""


class ValidationFailed(AmikgError):
    """Data did not pass the checks that guard a write (e.g. SHACL on an import)."""

    exit_code = 1
    http_status = 422
