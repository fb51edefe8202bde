"""Both directions of the Partner Center mapping, as a user would notice them: a lead comes in
as one referral (never two), co-sell is skipped, and write-back sends exactly the difference,
with Partner Center's terminal state winning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shared.domain.enums import EventType, Status, Substatus
from shared.domain.events import Destination, make_event
from shared.domain.models import TeamMember
from shared.domain.partner_center import own_people_only, with_write_back
from shared.domain.sources import Source, SyncState
from shared.partner_center import inbound
from shared.partner_center.outbound import plan

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


def test_accepting_here_patches_status_and_deal_fields_only() -> None:
    accepted = local(status=Status.ACTIVE, substatus=Substatus.ACCEPTED, name="Migration deal",
                     accepted_date_time=NOW)
    ops = plan(pc_lead(), accepted).ops
    assert {"op": "replace", "path": "/status", "value": "Active"} in ops
    assert {"op": "replace", "path": "/substatus", "value": "Accepted"} in ops
    assert {"op": "replace", "path": "/name", "value": "Migration deal"} in ops
    assert all(op["op"] in ("replace", "add") for op in ops)


def test_a_won_referral_partner_center_still_has_as_new_goes_through_accepted_first() -> None:
    won = local(status=Status.CLOSED, substatus=Substatus.WON, accepted_date_time=NOW)
    ops = plan(pc_lead(), won).ops
    assert {"op": "replace", "path": "/status", "value": "Active"} in ops
    assert {"op": "replace", "path": "/substatus", "value": "Accepted"} in ops
    closing = plan(pc_lead(status="Active", substatus="Accepted"), won).ops
    assert {"op": "replace", "path": "/status", "value": "Closed"} in closing
    assert {"op": "replace", "path": "/substatus", "value": "Won"} in closing


def test_nothing_to_send_when_partner_center_already_matches() -> None:
    assert plan(pc_lead(), local()).ops == []


def test_partner_center_closed_differently_is_a_conflict() -> None:
    accepted = local(status=Status.ACTIVE, substatus=Substatus.ACCEPTED)
    assert plan(pc_lead(status="Closed", substatus="Expired"), accepted).conflict


def test_team_members_are_added_one_by_one_and_a_removal_replaces_the_list() -> None:
    ann = TeamMember(first_name="Ann", last_name="Lee", email="ann@partner.example",
                     phone_number="+31 6 1234")
    bob = {"firstName": "Bob", "lastName": "Ray", "email": "bob@partner.example",
           "phoneNumber": "+31 6 5678"}
    accepted = dict(status=Status.ACTIVE, substatus=Substatus.ACCEPTED)
    adds = plan(pc_lead(status="Active", substatus="Accepted"), local(**accepted, team=[ann]))
    assert [op["path"] for op in adds.ops] == ["/team/-"]
    removal = plan(pc_lead(status="Active", substatus="Accepted", team=[bob]),
                   local(**accepted, team=[ann]))
    assert removal.ops == [{"op": "replace", "path": "/team", "value": [{
        "firstName": "Ann", "lastName": "Lee", "email": "ann@partner.example",
        "phoneNumber": "+31 6 1234"}]}]


def test_closing_date_and_reasons_are_written_in_partner_centers_forms() -> None:
    lost = local(status=Status.CLOSED, substatus=Substatus.LOST, status_reason="Price",
                 closing_notes="Too dear", accepted_date_time=NOW,
                 details=local().details.model_copy(update={"closing_date": date(2027, 1, 31)}))
    ops = plan(pc_lead(status="Active", substatus="Accepted"), lost).ops
    assert {"op": "add", "path": "/details/closingDateTime",
            "value": "2027-01-31T00:00:00Z"} in ops
    assert {"op": "add", "path": "/statusReason", "value": "Price: Too dear"} in ops


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
