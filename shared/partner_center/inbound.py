"""A Partner Center referral as a referral here (contract section 9, Bringing referrals in).

Shapes from Microsoft's "Referral resources" doc: ``id``, ``name``, ``status``/``substatus``,
``statusReason``, ``type``, ``qualification``, ``direction``, ``customerProfile`` (``name``,
``address``, ``size``, ``team``), ``details`` (``notes``, ``dealValue``, ``currency``,
``closingDateTime``, ``requirements``), ``team``, ``inviteContext.invitedBy``,
``externalReferenceId``, ``createdDateTime``, ``updatedDateTime``, ``expirationDateTime``,
``eTag``. Only leads come in: ``direction`` Incoming, ``type`` Independent, qualification
Direct / MarketingQualified / SalesQualified, invited by Microsoft or nobody.

The local id is derived from the Partner Center id (and its creation time, so the listing's
newest-first order holds): the same Partner Center referral is always the same row here, and
a second add of it fails in storage, whatever the order or repetition of events and syncs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.domain.enums import Qualification, Status, Substatus
from shared.domain.models import Referral
from shared.domain.sources import PartnerCenterLink, Source, SyncState

from .api.ids import canonical_id
from .api.timefmt import parse_instant

LEAD_QUALIFICATIONS = frozenset(q.value for q in Qualification)
MICROSOFT = "msft"
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # the referral id alphabet (storage keys)
MAX_MS = 10**13 - 1
_STATES = {  # Partner Center (status, substatus) -> here; an unknown pair is not mapped
    ("New", "Pending"): (Status.NEW, Substatus.RECEIVED),
    ("New", "Received"): (Status.NEW, Substatus.RECEIVED),
    ("Active", "Accepted"): (Status.ACTIVE, Substatus.ACCEPTED),
    ("Active", "Engaged"): (Status.ACTIVE, Substatus.ACCEPTED),
    **{("Closed", s.value): (Status.CLOSED, s) for s in (
        Substatus.WON, Substatus.LOST, Substatus.DECLINED, Substatus.EXPIRED)},
}


class NotALead(Exception):
    """A co-sell opportunity, an outgoing referral or anything else: skipped and counted."""


class Unmappable(Exception):
    """A lead this app cannot represent (unknown state, unreadable fields): counted failed."""


def local_id(pc_id: str, created: datetime) -> str:
    inverted = MAX_MS - int(created.timestamp() * 1000)
    digest = hashlib.sha256(pc_id.encode()).digest()
    return "r" + f"{inverted:013d}" + "".join(_ALPHABET[b % 32] for b in digest[:10])


def check_lead(pc: dict[str, Any]) -> str:
    """The canonical Partner Center id of a lead, or NotALead."""
    invited = ((pc.get("inviteContext") or {}).get("invitedBy") or {})
    inviter = str(invited.get("organizationId") or "").lower()
    if (pc.get("direction") != "Incoming" or pc.get("type") != "Independent"
            or pc.get("qualification") not in LEAD_QUALIFICATIONS
            or inviter not in ("", MICROSOFT)):
        raise NotALead(str(pc.get("id")))
    pc_id = canonical_id(pc.get("id"))
    if pc_id is None:
        raise Unmappable("a referral id that is not a GUID")
    return pc_id


def state_of(pc: dict[str, Any]) -> tuple[Status, Substatus]:
    state = _STATES.get((str(pc.get("status")), str(pc.get("substatus"))))
    if state is None:
        raise Unmappable(f"state {pc.get('status')}/{pc.get('substatus')}")
    return state


def to_referral(pc: dict[str, Any], partner_id: str, now: datetime) -> Referral:
    """The referral here for a Partner Center lead, as it stands there now."""
    pc_id = check_lead(pc)
    created = _instant(pc.get("createdDateTime")) or now
    status, substatus = state_of(pc)
    data: dict[str, Any] = {
        "id": local_id(pc_id, created), "partner_id": partner_id, "name": pc.get("name"),
        "qualification": pc["qualification"], "status": status, "substatus": substatus,
        "status_reason": pc.get("statusReason") or None,
        "customer_profile": _customer(pc.get("customerProfile") or {}),
        "details": _details(pc.get("details") or {}),
        "invited_by": {"organization_id": MICROSOFT, "organization_name": "Microsoft"},
        "external_reference_id": pc.get("externalReferenceId") or None,
        "team": [_person(m) for m in pc.get("team") or [] if _complete(m)],
        "favorite": bool(pc.get("favorite")),
        "created_date_time": created,
        "updated_date_time": _instant(pc.get("updatedDateTime")) or now,
        "expiration_date_time": _instant(pc.get("expirationDateTime")),
        "accepted_date_time": _instant(pc.get("acceptedDateTime")),
        "closed_date_time": now if status is Status.CLOSED else None,
        "source": Source.PARTNER_CENTER,
        "partner_center": PartnerCenterLink(id=pc_id, e_tag=pc.get("eTag"),
                                            sync_state=SyncState.SYNCED,
                                            last_synced_date_time=now),
    }
    try:
        return Referral.model_validate(data, strict=False)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise Unmappable("unreadable fields: " + ", ".join(fields)) from None


def _customer(profile: dict[str, Any]) -> dict[str, Any]:
    address = profile.get("address") or {}
    contacts = [c for c in (_contact(m) for m in profile.get("team") or []) if c]
    return {"name": str(profile.get("name") or "Partner Center lead")[:200],
            "size": _size(profile.get("size")),
            "address": {"city": address.get("city") or None,
                        "country": address.get("country") or None,
                        "region": address.get("region") or address.get("state") or None,
                        "postal_code": address.get("postalCode") or None,
                        "address_line1": address.get("addressLine1") or None},
            "contacts": contacts[:20]}


def _details(details: dict[str, Any]) -> dict[str, Any]:
    requirements = details.get("requirements") or {}
    closing = _instant(details.get("closingDateTime"))
    return {"notes": details.get("notes") or None,
            "deal_value": details.get("dealValue"), "currency": details.get("currency") or None,
            "closing_date": closing.date() if closing else None,
            "requirements": {k: [str(v) for v in requirements.get(k) or []][:50]
                             for k in ("products", "industries", "services")}}


def _contact(member: dict[str, Any]) -> dict[str, Any] | None:
    first, last = member.get("firstName"), member.get("lastName")
    if not (first and last):
        return None
    return {"first_name": first, "last_name": last, "email": member.get("email") or None,
            "phone_number": member.get("phoneNumber") or None}


def _complete(member: dict[str, Any]) -> bool:
    return all(member.get(k) for k in ("firstName", "lastName", "email", "phoneNumber"))


def _person(member: dict[str, Any]) -> dict[str, Any]:
    return {"first_name": member["firstName"], "last_name": member["lastName"],
            "email": member["email"], "phone_number": member["phoneNumber"]}


def _size(value: object) -> str | None:
    sizes = {"1to50employees", "51to500employees", "Morethan500employees"}
    return str(value) if value in sizes else None


def _instant(value: object) -> datetime | None:
    return parse_instant(value) if isinstance(value, str) and value else None
