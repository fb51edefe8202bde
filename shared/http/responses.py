"""The HTTP responses every route builds: JSON with the security headers, the error envelope
with its code header, and 503 with Retry-After."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

from shared.http.errors import envelope

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
RETRY_AFTER_SECONDS = "5"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None
                  ) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={**SECURITY_HEADERS, **(headers or {})},
        mimetype="application/json",
        charset="utf-8",
    )


def error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None
                   ) -> func.HttpResponse:
    return json_response(status, body, {"x-ms-error-code": body["error"]["code"],
                                        **(headers or {})})


def service_unavailable(message: str) -> func.HttpResponse:
    """503: a dependency (storage, Entra's signing keys) is down; the request may be fine."""
    return error_response(503, envelope("serviceUnavailable", message),
                          {"Retry-After": RETRY_AFTER_SECONDS})
