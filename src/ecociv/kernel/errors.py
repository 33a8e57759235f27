"""The one error hierarchy: every domain error inherits from EcocivError."""

from __future__ import annotations


class EcocivError(Exception):
    """Base of every error the platform raises on purpose."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(EcocivError):
    """Input that breaks a rule; ``field`` names the offending field, row or byte."""

    def __init__(
        self, message: str, *, field: str | None = None, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.errors = errors or [{"field": field or "", "message": message}]


class NotFoundError(EcocivError):
    """The thing asked for does not exist (or the actor may not know it exists)."""


class ConflictError(EcocivError):
    """The request clashes with the current state (duplicate key, illegal transition)."""


class PermissionDeniedError(EcocivError):
    """The actor may not do this."""


class AuthenticationError(EcocivError):
    """Credentials are missing, wrong, expired or locked."""
