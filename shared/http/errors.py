"""The contract's error envelope, and the one table from named errors to HTTP statuses."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from shared.auth.errors import AccessDenied, Unauthenticated
from shared.domain import errors as domain
from shared.storage.ports import EntityTooLarge


class HttpError(Exception):
    """A problem with the request itself, found at the edge (size, media type, headers)."""

    status = 400
    code = "invalidRequest"

    def __init__(self, message: str, target: str | None = None,
                 details: list[domain.FieldError] | None = None) -> None:
        super().__init__(message)
        self.message, self.target, self.details = message, target, details or []


class InvalidRequest(HttpError):
    pass


class PayloadTooLarge(HttpError):
    status, code = 413, "payloadTooLarge"


class UnsupportedMediaType(HttpError):
    status, code = 415, "unsupportedMediaType"


class PreconditionRequired(HttpError):
    status, code = 428, "preconditionRequired"


# Named errors of the other layers -> (status, contract code). Subclasses match their base.
STATUS: dict[type[Exception], tuple[int, str]] = {
    domain.RuleViolation: (400, "invalidRequest"),
    domain.NotFound: (404, "itemNotFound"),
    domain.InvalidTransition: (409, "invalidTransition"),
    domain.ReferralExpired: (409, "referralExpired"),
    domain.ProfileRequired: (409, "profileRequired"),
    domain.PreconditionFailed: (412, "preconditionFailed"),
    domain.NotConfigured: (503, "serviceUnavailable"),
    domain.PartnerCenterNotConfigured: (409, "partnerCenterNotConfigured"),
    domain.PartnerCenterNotConnected: (409, "partnerCenterNotConnected"),
    domain.PartnerCenterUnavailable: (503, "serviceUnavailable"),
    domain.SummariesBusy: (503, "serviceUnavailable"),
    domain.PartnerCenterRefused: (409, "partnerCenterRefused"),
    Unauthenticated: (401, "unauthenticated"),
    AccessDenied: (403, "accessDenied"),
}

Mappable = HttpError | domain.DomainError | Unauthenticated | AccessDenied | EntityTooLarge


def wire_name(field: str | None) -> str | None:
    """A model attribute path in the wire's camelCase (details.closing_date ->
    details.closingDate)."""
    if field is None:
        return None
    return ".".join(to_camel(part) for part in field.split("."))


def envelope(code: str, message: str, target: str | None = None,
             details: list[domain.FieldError] | None = None) -> dict[str, Any]:
    return {"error": {
        "code": code, "message": message, "target": target,
        "details": [{"code": d.code, "message": d.message, "target": wire_name(d.field)}
                    for d in details or []],
    }}


def error_response_parts(error: Mappable) -> tuple[int, dict[str, Any]]:
    """(status, envelope) for any named error of any layer."""
    if isinstance(error, HttpError):
        return error.status, envelope(error.code, error.message, error.target, error.details)
    if isinstance(error, EntityTooLarge):
        details = [domain.FieldError("tooLarge", "too large to store", f)
                   for f in error.fields] or [domain.FieldError("tooLarge", "too large to store",
                                                                None)]
        return 400, envelope("invalidRequest", "The item is too large to store.",
                             _single_target(details), details)
    status, code = next(v for t, v in STATUS.items() if isinstance(error, t))
    problems = error.problems if isinstance(error, domain.RuleViolation) else []
    return status, envelope(code, error.message, _single_target(problems), problems)


def _single_target(details: list[domain.FieldError]) -> str | None:
    return wire_name(details[0].field) if len(details) == 1 else None


_CODES = {"missing": "required", "extra_forbidden": "unknownField", "json_invalid": "malformedJson"}


def from_validation(exc: ValidationError) -> InvalidRequest:
    """Every bad field, with a JSON-path-like target in the wire's camelCase names."""
    details = []
    for err in exc.errors(include_url=False, include_input=False):
        target = ".".join(str(p) for p in err["loc"]) or None
        details.append(domain.FieldError(_CODES.get(err["type"], "invalidValue"),
                                         _message(err), target))
    if any(d.code == "malformedJson" for d in details):
        return InvalidRequest("The body is not valid JSON.", None, details)
    target = details[0].field if len(details) == 1 else None
    return InvalidRequest("The request has invalid fields; see details.", target, details)


def _message(err: Any) -> str:
    # Our own validators raise ValueError("must be ..."); pydantic would prefix "Value error, ".
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        return str(err["ctx"]["error"])
    return str(err["msg"])
