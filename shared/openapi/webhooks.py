"""The OpenAPI document's ``webhooks`` section: one entry per event type (EventType), each a
CloudEvents 1.0 structured event signed per Standard Webhooks (notifications/cloudevent.py,
signing.py). ``data`` is the referral as GET /api/referrals/{id} answers it (``ReferralOut``)
for the partner's own webhook and Microsoft's, and ``MinimalReferral`` for other
organisations (the customer endpoint, a referring partner)."""

from __future__ import annotations

from typing import Any

from shared.domain.enums import EventType
from shared.notifications.cloudevent import CONTENT_TYPE

TAG = "Webhooks"
REFERRAL = {"$ref": "#/components/schemas/ReferralOut"}
MINIMAL = {"$ref": "#/components/schemas/MinimalReferral"}
TEST_DATA = {"$ref": "#/components/schemas/WebhookTestData"}

# (summary, who receives it, whether another organisation may get the minimal data)
EVENTS: dict[EventType, tuple[str, str, bool]] = {
    EventType.RECEIVED: ("A referral arrived", "the partner", False),
    EventType.REMINDER: ("A received referral's response window is about to close",
                         "the partner", False),
    EventType.ACCEPTED: ("The partner accepted a referral", "the partner and Microsoft", False),
    EventType.UPDATED: ("An accepted referral was edited, assigned, or its team changed",
                        "the partner and Microsoft", False),
    EventType.DECLINED: ("The partner declined a referral",
                         "the partner; the customer endpoint gets the minimal data", True),
    EventType.EXPIRED: ("A referral expired unanswered",
                        "the partner, Microsoft when it sent the referral, and the referring "
                        "partner (minimal data) when a partner sent it", True),
    EventType.WON: ("An accepted referral was closed as won", "the partner and Microsoft",
                    False),
    EventType.LOST: ("An accepted referral was closed as lost", "the partner and Microsoft",
                     False),
    EventType.TEST: ("A test event the partner asked for (POST /api/profile/webhook/test)",
                     "the partner", False),
}

SIGNATURE_HEADERS: list[dict[str, Any]] = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "The event id (the CloudEvents `id`), the same on every retry: "
                    "deduplicate on it."},
    {"name": "webhook-timestamp", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^[0-9]+$"},
     "description": "Unix seconds of this attempt; reject one more than 5 minutes away."},
    {"name": "webhook-signature", "in": "header", "required": True,
     "schema": {"type": "string"},
     "description": "`v1,<base64 HMAC-SHA256>` over `<webhook-id>.<webhook-timestamp>.<raw "
                    "body>` with the decoded `whsec_` secret (Standard Webhooks): the "
                    "partner's own secret, or NOTIFICATION_SIGNING_SECRET for Microsoft and "
                    "the customer endpoint."},
]

SCHEMAS: dict[str, Any] = {
    "CloudEvent": {
        "type": "object", "description": "A CloudEvents 1.0 event in structured mode.",
        "required": ["specversion", "id", "type", "source", "time", "datacontenttype", "data"],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {"type": "string", "description": "The event id (= `webhook-id`)."},
            "type": {"type": "string", "enum": [t.value for t in EventType]},
            "source": {"type": "string", "description": "`/partners/<partner tenant id>`."},
            "subject": {"type": "string", "description": "The referral id (not on "
                                                         "`webhook.test`)."},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "data": {"type": "object"},
        },
    },
    "MinimalReferral": {
        "type": "object",
        "description": "What another organisation (the customer endpoint, a referring "
                       "partner) sees: never deal data, notes, owner, team or contacts.",
        "required": ["id", "status", "substatus", "statusReason", "customerProfile",
                     "partner"],
        "properties": {
            "id": {"type": "string"}, "status": {"type": "string"},
            "substatus": {"type": "string"},
            "statusReason": {"type": ["string", "null"]},
            "customerProfile": {"type": "object", "required": ["name"],
                                "properties": {"name": {"type": "string"}}},
            "partner": {"type": "object", "required": ["companyName"],
                        "properties": {"companyName": {"type": ["string", "null"]}}},
        },
    },
    "WebhookTestData": {
        "type": "object", "required": ["message", "partnerId"],
        "properties": {"message": {"type": "string"}, "partnerId": {"type": "string"}},
    },
}


def _operation(event: EventType, summary: str, who: str, minimal: bool) -> dict[str, Any]:
    data = TEST_DATA if event is EventType.TEST else (
        {"oneOf": [REFERRAL, MINIMAL]} if minimal else REFERRAL)
    required = ["subject"] if event is not EventType.TEST else []
    body = {"allOf": [{"$ref": "#/components/schemas/CloudEvent"}, {
        "type": "object", "required": required,
        "properties": {"type": {"type": "string", "const": event.value}, "data": data}}]}
    name = event.value.replace(".", "-")
    return {"post": {
        "operationId": "webhook" + "".join(p.title() for p in name.split("-")),
        "summary": summary, "tags": [TAG], "security": [],
        "description": f"Sent to {who}. A CloudEvents 1.0 event (`type` `{event.value}`), "
                       "signed as Standard Webhooks. Deliveries are at least once, with the "
                       "same `webhook-id` on every retry.",
        "parameters": SIGNATURE_HEADERS,
        "requestBody": {"required": True, "content": {CONTENT_TYPE: {"schema": body}}},
        "responses": {
            "200": {"description": "Received: any 2xx ends the delivery."},
            "default": {"description": "Anything else: 5xx, 408 and 429 are retried with "
                                       "back-off (Retry-After honoured on 429 and 503); "
                                       "another 4xx fails the delivery."},
        },
    }}


def webhooks() -> dict[str, Any]:
    return {event.value: _operation(event, *EVENTS[event]) for event in EventType}
