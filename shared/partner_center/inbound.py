"""A Partner Center lead as a referral here (contract section 9, Bringing referrals in): the
fields come from ``api.mapping`` (Microsoft's "Referral resources", read field by field);
this adds what only this app knows: the local id, the source and the Partner Center link.

The local id is derived from the Partner Center id (and its creation time, so the listing's
newest-first order holds): the same Partner Center referral is always the same row here, and
a second add of it fails in storage, whatever the order or repetition of events and syncs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.domain.enums import Status
from shared.domain.models import Referral
from shared.domain.sources import PartnerCenterLink, Source, SyncState

from .api.errors import UnmappableReferral
from .api.mapping import skip_reason, to_local

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # the referral id alphabet (storage keys)
MAX_MS = 10**13 - 1


class NotALead(Exception):
    """A co-sell opportunity, an outgoing referral or anything else: skipped and counted."""


Unmappable = UnmappableReferral  # a lead this app cannot hold: counted failed


def local_id(pc_id: str, created: datetime) -> str:
    inverted = MAX_MS - int(created.timestamp() * 1000)
    digest = hashlib.sha256(pc_id.encode()).digest()
    return "r" + f"{inverted:013d}" + "".join(_ALPHABET[b % 32] for b in digest[:10])


def to_referral(pc: dict[str, Any], partner_id: str, now: datetime) -> Referral:
    """The referral here for a Partner Center lead, as it stands there now; NotALead or
    Unmappable otherwise."""
    reason = skip_reason(pc)
    if reason is not None:
        raise NotALead(reason.value)
    lead = to_local(pc)
    held = lead.held
    try:
        return Referral(
            id=local_id(lead.id, lead.created_date_time), partner_id=partner_id,
            name=held.name, qualification=lead.qualification, status=held.status,
            substatus=held.substatus, status_reason=held.status_reason,
            closing_notes=held.closing_notes, customer_profile=lead.customer_profile,
            details=lead.details, invited_by=lead.invited_by,
            external_reference_id=held.external_reference_id, campaign_id=held.campaign_id,
            team=list(held.team), favorite=held.favorite,
            created_date_time=lead.created_date_time,
            updated_date_time=lead.updated_date_time,
            expiration_date_time=lead.expiration_date_time,
            accepted_date_time=lead.accepted_date_time,
            closed_date_time=now if held.status is Status.CLOSED else None,
            source=Source.PARTNER_CENTER,
            partner_center=PartnerCenterLink(id=lead.id, e_tag=lead.e_tag,
                                             sync_state=SyncState.SYNCED,
                                             last_synced_date_time=now))
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise Unmappable("unreadable fields: " + ", ".join(fields)) from None
