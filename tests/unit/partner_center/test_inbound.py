"""A Partner Center lead as a referral here, as a user would notice it: one referral (never
two) with Partner Center's window, co-sell skipped; and which local changes are written back
(the patch itself: test_reconcile.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared.domain.enums import EventType, Status, Substatus
from shared.domain.events import Destination, make_event
from shared.domain.partner_center import own_people_only, with_write_back
from shared.domain.sources import Source, SyncState
from shared.partner_center import inbound

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
PC_ID = "8f0a4c4e-1d6b-4a8e-9d0e-2f7f6c3b1a10"


def pc_lead(**over: Any) -> dict[str, Any]:
    lead = {
        "id": PC_ID, "name": "Contoso cloud migration", "direction": "Incoming",
        "type": "Independent", "qualification": "SalesQualified", "status": "New",
        "substatus": "Received", "eTag": "W/\"1\"",
        "createdDateTime": "2026-12-01T10:00:00.1234567Z",
        "updatedDateTime": "2026-12-02T10:00:00Z",
        "expirationDateTime": "2026-12-15T10:00:00Z",
        "customerProfile": {"name": "Contoso", "address": {"country": "NL", "city": "Delft"},
                            "team": [{"firstName": "Ada", "lastName": "Lovelace",
                                      "email": "ada@contoso.example"}]},
        "details": {"notes": "Wants help", "dealValue": 1000, "currency": "EUR"},
        "inviteContext": {"invitedBy": {"organizationId": "msft"}},
        "team": [],
    }
    lead.update(over)
    return lead


def test_a_lead_becomes_a_received_partner_center_referral_with_its_window() -> None:
    referral = inbound.to_referral(pc_lead(), "tenant-a", NOW)
    assert referral.source is Source.PARTNER_CENTER
    assert referral.partner_center and referral.partner_center.id == PC_ID
    assert (referral.status, referral.substatus) == (Status.NEW, Substatus.RECEIVED)
    assert referral.expiration_date_time == datetime(2026, 12, 15, 10, tzinfo=UTC)
    assert referral.customer_profile.contacts[0].email == "ada@contoso.example"
    assert referral.details.deal_value == Decimal(1000)


def test_the_same_partner_center_referral_always_has_the_same_id_here() -> None:
    first = inbound.to_referral(pc_lead(), "tenant-a", NOW)
    again = inbound.to_referral(pc_lead(status="Active", substatus="Accepted"), "tenant-a",
                                NOW + timedelta(days=1))
    other = inbound.to_referral(pc_lead(id="9f0a4c4e-1d6b-4a8e-9d0e-2f7f6c3b1a10"), "tenant-a",
                                NOW)
    assert first.id == again.id != other.id


@pytest.mark.parametrize("over", [
    {"direction": "Outgoing"}, {"type": "Shared"}, {"qualification": "None"},
    {"inviteContext": {"invitedBy": {"organizationId": "another-partner"}}},
])
def test_co_sell_and_outgoing_referrals_are_not_leads(over: dict[str, Any]) -> None:
    with pytest.raises(inbound.NotALead):
        inbound.to_referral(pc_lead(**over), "tenant-a", NOW)


def test_an_unknown_state_is_unmappable_not_guessed() -> None:
    with pytest.raises(inbound.Unmappable):
        inbound.to_referral(pc_lead(status="Closed", substatus="Mystery"), "tenant-a", NOW)


def local(**over: Any) -> Any:
    return inbound.to_referral(pc_lead(), "tenant-a", NOW).model_copy(update=over)


def test_a_local_change_marks_the_referral_pending_and_adds_the_write_back() -> None:
    before = local()
    after = before.model_copy(update={"favorite": True})
    updated, events = with_write_back(before, after, [], NOW)
    assert updated.partner_center and updated.partner_center.sync_state is SyncState.PENDING
    assert [r.destination for r in events[0].recipients] == [Destination.PARTNER_CENTER]
    unchanged, none = with_write_back(before, before, [], NOW)
    assert unchanged == before and none == []


def test_a_change_partner_center_made_is_told_to_the_partners_people_only() -> None:
    event = make_event(EventType.ACCEPTED, local(), NOW)
    kept = own_people_only([event])
    assert [r.destination for r in kept[0].recipients] == [Destination.PARTNER]
