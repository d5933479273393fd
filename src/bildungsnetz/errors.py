"""Domain errors: each carries its CLI exit code and HTTP status, and a message in German and English."""

from __future__ import annotations

__all__ = ["BildungsnetzError", "UsageError", "InputError", "ValidationFailed"]


class BildungsnetzError(Exception):
    """Base of every error a user can meet. ``str(error)`` is one line, German / English."""

    exit_code = 2
    http_status = 400


class UsageError(BildungsnetzError):
    """A command or request was given wrong parameters."""

    exit_code = 2
    http_status = 400


class InputError(BildungsnetzError):
    """An input file cannot be read or understood."""

    exit_code = 2
    http_status = 422


class ValidationFailed(BildungsnetzError):
    """Data did not conform to the shapes; nothing was written."""

    exit_code = 1
    http_status = 422
