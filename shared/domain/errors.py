"""The few named errors of the domain and services; the HTTP edge maps each to the envelope."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    code: str
    message: str
    target: str | None


class DomainError(Exception):
    code: str = "error"

    def __init__(self, message: str, target: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.target = target


class InvalidRequest(DomainError):
    code = "invalidRequest"

    def __init__(self, message: str, details: list[FieldError] | None = None,
                 target: str | None = None) -> None:
        super().__init__(message, target)
        self.details = details or []


class NotFound(DomainError):
    code = "itemNotFound"


class InvalidTransition(DomainError):
    code = "invalidTransition"


class ReferralExpired(DomainError):
    code = "referralExpired"


class ProfileRequired(DomainError):
    code = "profileRequired"


class PreconditionFailed(DomainError):
    code = "preconditionFailed"


class PreconditionRequired(DomainError):
    code = "preconditionRequired"


class ConcurrencyConflict(Exception):
    """The stored item changed since it was read (ETag mismatch) or already exists.

    Raised by repositories; services retry or turn it into a contract error.
    """


class Unauthenticated(DomainError):
    code = "unauthenticated"


class AccessDenied(DomainError):
    code = "accessDenied"


class PayloadTooLarge(DomainError):
    code = "payloadTooLarge"
