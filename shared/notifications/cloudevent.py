"""The body of a webhook: one CloudEvents 1.0 event in structured mode.

``data`` is the referral as GET /api/referrals/{id} returns it, for the partner's own
webhook and for Microsoft; other organisations (the customer endpoint, a referring partner)
get only the minimal shape below, never deal data, notes, owner, team or contacts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from shared.domain.events import Event, Recipient, iso
from shared.domain.models import Profile
from shared.storage.ports import Stored

CONTENT_TYPE = "application/cloudevents+json"
# Renders a referral as the API does; injected by the edge (the view lives in triggers).
Renderer = Callable[[Stored], dict[str, Any]]


def minimal_data(stored: Stored, partner: Profile | None) -> dict[str, Any]:
    r = stored.referral
    return {"id": r.id, "status": r.status.value, "substatus": r.substatus.value,
            "statusReason": r.status_reason,
            "customerProfile": {"name": r.customer_profile.name},
            "partner": {"companyName": partner.company_name if partner else None}}


def event_data(event: Event, recipient: Recipient, stored: Stored | None,
               partner: Profile | None, render: Renderer) -> dict[str, Any]:
    if stored is None:  # webhook.test: about no referral
        return {"message": "A test event from the Referrals service.",
                "partnerId": event.partner_id}
    return render(stored) if recipient.sees_full_referral else minimal_data(stored, partner)


def envelope(event: Event, data: dict[str, Any]) -> bytes:
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": event.id,
        "type": event.type.value,
        "source": f"/partners/{event.partner_id}",
        "time": iso(event.occurred),
        "datacontenttype": "application/json",
        "data": data,
    }
    if event.referral_id:
        body["subject"] = event.referral_id
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
