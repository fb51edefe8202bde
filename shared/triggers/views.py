"""Referral -> the contract's JSON shape, with the derived fields."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.domain.events import iso
from shared.domain.lifecycle import stage_of
from shared.domain.operations import contact_alert
from shared.storage.ports import Stored


def _time(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


def referral_view(stored: Stored, now: datetime, alert_window: timedelta) -> dict[str, Any]:
    r = stored.referral
    details = r.details.model_dump(mode="json", by_alias=True)
    details["dealValue"] = float(r.details.deal_value) if r.details.deal_value is not None else None
    alert = contact_alert(r, now, alert_window)
    return {
        "id": r.id,
        "partnerId": r.partner_id,
        "name": r.name,
        "qualification": r.qualification.value,
        "category": r.qualification.category.value,
        "stage": stage_of(r.status).value,
        "status": r.status.value,
        "substatus": r.substatus.value,
        "statusReason": r.status_reason,
        "closingNotes": r.closing_notes,
        "customerProfile": r.customer_profile.model_dump(mode="json", by_alias=True),
        "details": details,
        "invitedBy": r.invited_by.model_dump(mode="json", by_alias=True),
        "externalReferenceId": r.external_reference_id,
        "campaignId": r.campaign_id,
        "team": [m.model_dump(mode="json", by_alias=True) for m in r.team],
        "favorite": r.favorite,
        "contactAlert": alert.value if alert else None,
        "createdDateTime": _time(r.created_date_time),
        "updatedDateTime": _time(r.updated_date_time),
        "expirationDateTime": _time(r.expiration_date_time),
        "acceptedDateTime": _time(r.accepted_date_time),
        "closedDateTime": _time(r.closed_date_time),
        "eTag": stored.etag,
    }
