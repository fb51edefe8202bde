"""The few named errors of the domain and the use cases. They say what went wrong in domain
terms; the HTTP edge (``shared/http/errors.py``) decides status codes and wire names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One bad field. ``field`` is the model's attribute path (``details.closing_date``)."""

    code: str
    message: str
    field: str | None


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleViolation(DomainError):
    """Input that parsed but breaks a business rule (a past closing date, a full team)."""

    def __init__(self, message: str, problems: list[FieldError]) -> None:
        super().__init__(message)
        self.problems = problems


class NotFound(DomainError):
    pass


class InvalidTransition(DomainError):
    pass


class ReferralExpired(DomainError):
    pass


class ProfileRequired(DomainError):
    pass


class PreconditionFailed(DomainError):
    """The caller asked for a version of the referral that is no longer the stored one."""


class NotConfigured(DomainError):
    """The service lacks a setting this request needs (WEBHOOK_SECRETS_KEY for a partner's
    webhook secret): nothing the caller sent was wrong."""


class PartnerCenterNotConfigured(DomainError):
    """(r3) Connecting needs PARTNER_CENTER_CLIENT_ID/SECRET, PUBLIC_BASE_URL and
    WEBHOOK_SECRETS_KEY (the contract's 409 ``partnerCenterNotConfigured``)."""


class PartnerCenterNotConnected(DomainError):
    """(r3) Partner Center work was asked of a partner with no working connection."""


class PartnerCenterUnavailable(DomainError):
    """(r3) Microsoft's sign-in or Partner Center could not be reached, or refused to prepare
    the sign-in for this organisation: nothing the caller sent was wrong; try again."""


class PartnerCenterRefused(DomainError):
    """(r3) Microsoft's sign-in answered that it cannot sign this organisation in (an unknown
    tenant): retrying will not help."""


class SummariesBusy(DomainError):
    """The insights figures could not be read as one consistent state: background folds
    kept committing during every attempt for several seconds. Nothing is wrong; retry."""
