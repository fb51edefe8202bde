"""The delivery log: every notification about the partner's referrals, and redelivery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import azure.functions as func
from pydantic import Field

from shared.auth.principals import ADMIN_ROLES
from shared.domain.errors import FieldError
from shared.domain.events import iso
from shared.http.bodies import Out, Timestamp, dump
from shared.http.call import Call, Route
from shared.http.errors import InvalidRequest
from shared.http.pipeline import register
from shared.http.query_parameters import DEFAULT_TOP, HOST_PARAMS, MAX_TOP, next_link
from shared.http.responses import json_response
from shared.services import webhooks
from shared.storage.ports import Delivery, DeliveryState
from shared.storage.ports.ids import is_referral_id

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Notifications"
STATES = [s.value for s in DeliveryState]


class NotificationOut(Out):
    id: str
    event_id: str
    type: str
    referral_id: str | None
    destination: Literal["partner", "microsoft", "customer", "sender", "email",
                         "partnerCenter"]
    recipient: str | None = Field(description="The URL's host (or the e-mail address) last "
                                              "attempted; null before the first attempt.")
    state: Literal["pending", "delivered", "failed", "undeliverable"]
    attempts: int
    last_attempt_date_time: Timestamp | None
    last_error: str | None
    created_date_time: Timestamp


class NotificationPage(Out):
    value: list[NotificationOut]
    next_link: str | None = Field(default=None, description="Absent on the last page.")


class WebhookSecret(Out):
    secret: str = Field(description="`whsec_` and the base64 of 32 random bytes. Shown only "
                                    "in this answer.")


class TestEvent(Out):
    event_id: str
    note: str | None = Field(default=None, description="Present when the profile has no "
                                                       "`webhookUrl`: nothing will be sent.")


NO_URL_NOTE = ("The profile has no webhookUrl, so nothing is sent: the test event is recorded "
               "as undeliverable. Set webhookUrl (PUT /api/profile) to receive it.")


def notification_out(d: Delivery) -> NotificationOut:
    return NotificationOut(
        id=d.id, event_id=d.event.id, type=d.event.type.value, referral_id=d.event.referral_id,
        destination=d.recipient.destination.value,
        recipient=d.recipient.address or d.recipient_label,
        state=d.state.value, attempts=d.attempts,
        last_attempt_date_time=iso(d.last_attempt) if d.last_attempt else None,
        last_error=d.last_error, created_date_time=iso(d.event.occurred))


PARAMETERS: tuple[dict[str, Any], ...] = (
    {"name": "state", "in": "query", "description": "Only notifications in this state.",
     "schema": {"type": "string", "enum": STATES}},
    {"name": "referralId", "in": "query",
     "description": "Only notifications about this referral (none for an unknown one).",
     "schema": {"type": "string", "pattern": "^r[0-9]{13}[0-9a-z]{10}$"}},
    {"name": "top", "in": "query", "description": "Page size.",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": DEFAULT_TOP}},
    {"name": "continuationToken", "in": "query",
     "description": "Opaque; from the previous page's nextLink.", "schema": {"type": "string"}},
)


def _query(params: Mapping[str, str]
           ) -> tuple[DeliveryState | None, int, str | None, str | None]:
    known = {p["name"] for p in PARAMETERS} | set(HOST_PARAMS)
    errors = [FieldError("unknownParameter", "not a parameter of this route", k)
              for k in params if k not in known]
    state = params.get("state")
    if state is not None and state not in STATES:
        errors.append(FieldError("invalidValue", f"one of {', '.join(STATES)}", "state"))
    top_raw = params.get("top") or str(DEFAULT_TOP)
    if not (top_raw.isdigit() and 1 <= int(top_raw) <= MAX_TOP):
        errors.append(FieldError("invalidValue", f"must be an integer 1..{MAX_TOP}", "top"))
    referral_id = params.get("referralId")
    if referral_id is not None and not is_referral_id(referral_id):
        errors.append(FieldError("invalidValue", "must be a referral id", "referralId"))
    if errors:
        raise InvalidRequest("The query is invalid.", details=errors)
    return (DeliveryState(state) if state else None, int(top_raw),
            params.get("continuationToken") or None, referral_id)


def _list(call: Call) -> func.HttpResponse:
    state, top, token, referral_id = _query(call.req.params)
    items, next_token = webhooks.deliveries(call.ctx, call.tenant, state, top, token,
                                            referral_id)
    link = next_link(call.req.url, call.req.params, next_token) if next_token else None
    page = NotificationPage(value=[notification_out(d) for d in items], next_link=link)
    return json_response(200, dump(page, exclude_none_fields={"nextLink"}))


def _redeliver(call: Call) -> func.HttpResponse:
    requeued = webhooks.redeliver(call.ctx, call.tenant, call.route_param("notificationId"))
    return json_response(202, dump(notification_out(requeued)))


def _secret(call: Call) -> func.HttpResponse:
    secret = webhooks.create_secret(call.ctx, call.tenant)
    return json_response(200, dump(WebhookSecret(secret=secret)))


def _test(call: Call) -> func.HttpResponse:
    event_id, has_url = webhooks.send_test(call.ctx, call.tenant)
    answer = TestEvent(event_id=event_id, note=None if has_url else NO_URL_NOTE)
    return json_response(202, dump(answer, exclude_none_fields={"note"}))


ROUTES = [
    Route("list_notifications", "GET", "notifications", "The delivery log, newest first", TAG,
          _list, ADMIN_ROLES, response=NotificationPage, query=PARAMETERS,
          description="Every delivery (one per event and recipient) of a notification about "
                      "the caller's organisation's referrals, with its state, attempts and "
                      "last error. A page with more after it has a `nextLink`. With "
                      "`referralId`, only that referral's, read at a cost that follows "
                      "them (not a scan of the log)."),
    Route("redeliver_notification", "POST", "notifications/{notificationId}/redeliver",
          "Send a failed notification again", TAG, _redeliver, ADMIN_ROLES,
          response=NotificationOut, status=202,
          description="Queues a `failed` or `undeliverable` notification again, with the "
                      "same event id (409 `invalidTransition` for any other state)."),
    Route("create_webhook_secret", "POST", "profile/webhook/secret",
          "Create or rotate the webhook signing secret", "Profile", _secret, ADMIN_ROLES,
          response=WebhookSecret,
          description="A new Standard Webhooks secret for this organisation's webhooks, "
                      "replacing any previous one at once. It is shown only in this answer: "
                      "it is stored encrypted and never returned again."),
    Route("send_test_webhook", "POST", "profile/webhook/test", "Send a test webhook",
          "Profile", _test, ADMIN_ROLES, response=TestEvent, status=202,
          description="Queues a signed `webhook.test` event to the profile's `webhookUrl`; "
                      "its delivery shows in the notification log."),
]
register(bp, ROUTES)
