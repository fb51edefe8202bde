"""The contract's error envelope, produced in this one place."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shared.domain import errors as e

STATUS: dict[type[e.DomainError], int] = {
    e.InvalidRequest: 400,
    e.Unauthenticated: 401,
    e.AccessDenied: 403,
    e.NotFound: 404,
    e.InvalidTransition: 409,
    e.ReferralExpired: 409,
    e.ProfileRequired: 409,
    e.PreconditionFailed: 412,
    e.PayloadTooLarge: 413,
    e.PreconditionRequired: 428,
}


def status_of(error: e.DomainError) -> int:
    return next((s for t, s in STATUS.items() if isinstance(error, t)), 400)


def envelope(code: str, message: str, target: str | None = None,
             details: list[e.FieldError] | None = None) -> dict[str, Any]:
    return {"error": {
        "code": code, "message": message, "target": target,
        "details": [{"code": d.code, "message": d.message, "target": d.target}
                    for d in details or []],
    }}


def error_body(error: e.DomainError) -> dict[str, Any]:
    details = error.details if isinstance(error, e.InvalidRequest) else None
    return envelope(error.code, error.message, error.target, details)


_CODES = {"missing": "required", "extra_forbidden": "unknownField", "json_invalid": "malformedJson"}


def from_validation(exc: ValidationError, prefix: str = "") -> e.InvalidRequest:
    """Every bad field, with a JSON-path-like target in the wire's camelCase names."""
    details = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in err["loc"]]
        target = prefix + ".".join(loc) if loc else (prefix.rstrip(".") or None)
        details.append(e.FieldError(_CODES.get(err["type"], "invalidValue"), err["msg"], target))
    if any(d.code == "malformedJson" for d in details):
        return e.InvalidRequest("The body is not valid JSON.", details)
    target = details[0].target if len(details) == 1 else None
    return e.InvalidRequest("The request has invalid fields; see details.", details, target)
