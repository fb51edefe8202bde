"""The repeatability headers of ``POST /api/referrals`` at the edge: reading and checking
``Repeatability-Request-ID`` and ``Repeatability-First-Sent``, and answering
``Repeatability-Result`` (``accepted``, or ``rejected`` when the headers are refused)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import azure.functions as func

from shared.domain.errors import DomainError
from shared.http.errors import HttpError, InvalidRequest, error_response_parts
from shared.http.responses import error_response
from shared.services.intake_retries import FIRST_SENT, REQUEST_ID, Rejected, Repeat

RESULT = "Repeatability-Result"
# Opaque to us, but bounded and safe as a table key: a GUID, a ULID and the like fit.
_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# RFC 7231 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
_IMF_FIXDATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|"
                          r"Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT")
CLOCK_SKEW = timedelta(minutes=5)  # a First-Sent later than now by more than this is refused
PARAMETERS: tuple[dict[str, Any], ...] = (
    {"name": REQUEST_ID, "in": "header", "required": False,
     "description": "Makes the intake safe to retry: an opaque id (1 to 128 letters, digits, "
                    "`.`, `_`, `:` or `-`; a GUID is ideal) that a retry repeats. Within 24 "
                    "hours the same caller's retry answers the original 201 and creates "
                    "nothing; the same id with a different body is a 400.",
     "schema": {"type": "string", "maxLength": 128, "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"}},
    {"name": FIRST_SENT, "in": "header", "required": False,
     "description": "When the request was first sent (RFC 7231 IMF-fixdate, e.g. `Sun, 06 Nov "
                    "2022 08:49:37 GMT`); more than 24 hours ago is a 412.",
     "schema": {"type": "string"}},
)


def parse(headers: Any, caller: str, now: datetime) -> Repeat | None:
    """The request's repeatability, None without a request id; InvalidRequest naming the
    header when one is malformed."""
    raw_id = headers.get(REQUEST_ID)
    if raw_id is None:
        return None
    if not _REQUEST_ID.fullmatch(raw_id):
        raise InvalidRequest(f"{REQUEST_ID} must be 1 to 128 letters, digits, '.', '_', ':' or "
                             "'-' (a GUID, for example).", REQUEST_ID)
    raw_sent = headers.get(FIRST_SENT)
    if raw_sent is None:
        return Repeat(caller, raw_id)
    if not _IMF_FIXDATE.fullmatch(raw_sent.strip()):
        raise InvalidRequest(f"{FIRST_SENT} must be an RFC 7231 IMF-fixdate such as "
                             "'Sun, 06 Nov 2022 08:49:37 GMT'.", FIRST_SENT)
    try:
        sent = parsedate_to_datetime(raw_sent.strip()).astimezone(UTC)
    except (TypeError, ValueError):
        raise InvalidRequest(f"{FIRST_SENT} is not a valid date.", FIRST_SENT) from None
    if sent > now + CLOCK_SKEW:
        raise InvalidRequest(f"{FIRST_SENT} is in the future.", FIRST_SENT)
    return Repeat(caller, raw_id, sent)


def respond(headers: Any, caller: str, now: datetime,
            run: Callable[[Repeat | None], func.HttpResponse]) -> func.HttpResponse:
    """Run the intake with its repeatability; every answer to a request that carries a
    request id says ``Repeatability-Result``."""
    if headers.get(REQUEST_ID) is None:
        return run(None)
    result = "rejected"
    try:
        repeat = parse(headers, caller, now)
        result = "accepted"
        resp = run(repeat)
    except Rejected as exc:
        result = "rejected"
        resp = error_response(*error_response_parts(_http_error(exc)))
    except (HttpError, DomainError) as exc:
        resp = error_response(*error_response_parts(exc))
    resp.headers[RESULT] = result
    return resp


class _PreconditionFailed(HttpError):
    status, code = 412, "preconditionFailed"


def _http_error(exc: Rejected) -> HttpError:
    if exc.stale:
        return _PreconditionFailed(exc.message, exc.header)
    return InvalidRequest(exc.message, exc.header)
