"""Here -> Partner Center (shared/partner_center/reconcile.py): every write-back mapping as
the JSON Patch that makes Partner Center match, the New -> Active -> Closed path, idempotency,
and Partner Center's terminal state winning a conflict."""

import copy
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from shared.domain.enums import Status, Substatus
from shared.domain.models import Referral, TeamMember
from shared.partner_center.api.mapping import Held, held_of, to_local
from shared.partner_center.api.reconcile import reconcile, reconcile_patch

from .samples import lead

JOHN = TeamMember(first_name="John", last_name="Doe", email="john.doe@partner.example",
                  phone_number="1231231234")
ANA = TeamMember(first_name="Ana", last_name="Lind", email="ana@partner.example",
                 phone_number="555 0100")


def apply(pc, ops):
    """A Partner Center that takes add/replace, as its docs say."""
    pc = copy.deepcopy(pc)
    for op in ops:
        assert op["op"] in ("add", "replace")
        *parents, last = op["path"].strip("/").split("/")
        target = pc
        for part in parents:
            target = target[part]
        if last == "-":
            target.append(op["value"])
        else:
            assert op["op"] == "add" or last in target, f"replace of a missing {op['path']}"
            target[last] = op["value"]
    return pc


def _local(pc=None, **changes):
    return replace(held_of(pc or lead()), **changes)


def _paths(ops):
    return {op["path"]: op["value"] for op in ops}


def test_nothing_to_send_when_partner_center_already_matches():
    assert reconcile(lead(), _local()).ops == []


def test_accepting_sends_the_stage_and_the_deal():
    local = _local(status=Status.ACTIVE, substatus=Substatus.ACCEPTED, name="Contoso D365",
                   deal_value=Decimal("60000.50"), currency="EUR", closing_date=date(2026, 12, 1),
                   notes="Kick-off next week", external_reference_id="CRM-1", campaign_id="C-9")
    pc = lead()
    ops = reconcile_patch(pc, local)
    assert _paths(ops) == {
        "/status": "Active", "/substatus": "Accepted", "/name": "Contoso D365",
        "/details/dealValue": 60000.5, "/details/currency": "EUR",
        "/details/notes": "Kick-off next week",
        "/details/closingDateTime": "2026-12-01T00:00:00Z",
        "/externalReferenceId": "CRM-1", "/campaignId": "C-9"}
    assert {op["path"]: op["op"] for op in ops}["/details/dealValue"] == "replace"
    assert {op["path"]: op["op"] for op in ops}["/name"] == "add"
    assert reconcile_patch(apply(pc, ops), local) == []  # a repeated write-back sends nothing


def test_a_won_referral_still_new_there_goes_through_active_first():
    local = _local(status=Status.CLOSED, substatus=Substatus.WON, name="Deal")
    first = reconcile(lead(), local)
    assert first.more and _paths(first.ops)["/status"] == "Active"
    assert _paths(first.ops)["/substatus"] == "Accepted"
    pc = apply(lead(), first.ops)
    second = reconcile(pc, local)
    assert not second.more and _paths(second.ops) == {"/status": "Closed", "/substatus": "Won"}
    assert reconcile(apply(pc, second.ops), local).ops == []


def test_winning_an_active_referral_closes_it_in_one_round():
    pc = lead(status="Active", substatus="Accepted")
    result = reconcile(pc, _local(pc, status=Status.CLOSED, substatus=Substatus.WON))
    assert not result.more and _paths(result.ops) == {"/status": "Closed", "/substatus": "Won"}


def test_a_lost_referral_carries_its_reason_and_notes():
    pc = lead(status="Active", substatus="Accepted")
    local = _local(pc, status=Status.CLOSED, substatus=Substatus.LOST, status_reason="Price",
                   closing_notes="Chose a cheaper offer")
    ops = reconcile_patch(pc, local)
    assert _paths(ops) == {"/status": "Closed", "/substatus": "Lost",
                           "/statusReason": "Price: Chose a cheaper offer"}
    assert reconcile_patch(apply(pc, ops), local) == []


def test_a_declined_new_referral_closes_directly_with_its_reason():
    local = _local(status=Status.CLOSED, substatus=Substatus.DECLINED, status_reason="NotAFit")
    assert _paths(reconcile_patch(lead(), local)) == {
        "/status": "Closed", "/substatus": "Declined", "/statusReason": "NotAFit"}


def test_a_new_team_member_is_added_and_a_removed_one_replaces_the_team():
    pc = lead()
    added = reconcile_patch(pc, _local(team=(JOHN, ANA)))
    assert added == [{"op": "add", "path": "/team/-", "value": {
        "firstName": "Ana", "lastName": "Lind", "email": "ana@partner.example",
        "phoneNumber": "555 0100"}}]
    pc = apply(pc, added)
    removed = reconcile_patch(pc, _local(team=(ANA,)))
    assert [op["op"] for op in removed] == ["replace"]
    assert [m["email"] for m in removed[0]["value"]] == ["ana@partner.example"]
    assert reconcile_patch(apply(pc, removed), _local(team=(ANA,))) == []


def test_members_partner_center_has_that_cannot_be_held_here_are_kept():
    pc = lead(team=[*lead()["team"], {"firstName": "No", "lastName": "Phone",
                                      "email": "nophone@partner.example"}])
    assert reconcile_patch(pc, _local(pc, team=(JOHN,))) == []
    ops = reconcile_patch(pc, _local(pc, team=(ANA,)))
    assert [m["email"] for m in ops[0]["value"]] == ["ana@partner.example",
                                                      "nophone@partner.example"]


def test_a_changed_member_keeps_partner_centers_other_fields():
    moved = JOHN.model_copy(update={"phone_number": "999 0000"})
    ops = reconcile_patch(lead(), _local(team=(moved,)))
    assert ops[0]["value"][0]["phoneNumber"] == "999 0000"
    assert ops[0]["value"][0]["contactPreference"]["locale"] == "en-US"


def test_favorite_and_cleared_fields():
    pc = lead(externalReferenceId="CRM-1", campaignId="C-1")
    ops = reconcile_patch(pc, _local(pc, favorite=True, external_reference_id=None,
                                     campaign_id=None))
    assert _paths(ops) == {"/favorite": True, "/externalReferenceId": None, "/campaignId": None}


def test_a_deal_value_is_never_cleared_and_the_name_never_emptied():
    pc = lead(name="Their name")
    assert reconcile_patch(pc, _local(pc, name=None, deal_value=None, currency=None)) == []


@pytest.mark.parametrize(("theirs", "mine"), [
    (("Closed", "Declined"), (Status.ACTIVE, Substatus.ACCEPTED)),
    (("Closed", "Expired"), (Status.ACTIVE, Substatus.ACCEPTED)),
    (("Closed", "Expired"), (Status.CLOSED, Substatus.DECLINED)),
    (("Closed", "Won"), (Status.CLOSED, Substatus.LOST)),
    (("Closed", "Declined"), (Status.CLOSED, Substatus.WON)),
    (("Active", "Accepted"), (Status.NEW, Substatus.RECEIVED)),
])
def test_partner_centers_state_wins_when_it_cannot_move_to_ours(theirs, mine):
    pc = lead(status=theirs[0], substatus=theirs[1], statusReason="their reason")
    local = _local(lead(), status=mine[0], substatus=mine[1], name="changed here")
    result = reconcile(pc, local)
    assert result.ops == [] and result.conflict is not None
    assert (result.conflict.partner_center, result.conflict.local) == (
        (Status(theirs[0]), Substatus(theirs[1])), mine)
    assert result.conflict.partner_center_status_reason == "their reason"


def test_an_expiry_here_is_never_written_partner_center_expires_its_own():
    local = _local(status=Status.CLOSED, substatus=Substatus.EXPIRED)
    assert reconcile(lead(), local).ops == [] and reconcile(lead(), local).conflict is None
    expired_there = lead(status="Closed", substatus="Expired")
    assert reconcile(expired_there, local) == reconcile(expired_there, local)
    assert reconcile(expired_there, local).conflict is None


def test_the_referral_here_is_compared_through_its_held_fields():
    imported = to_local(lead())
    referral = Referral(
        id="r-1", partner_id="contoso", qualification=imported.qualification,
        status=Status.NEW, substatus=Substatus.RECEIVED,
        customer_profile=imported.customer_profile, details=imported.details,
        invited_by=imported.invited_by, team=[JOHN], favorite=True,
        created_date_time=imported.created_date_time,
        updated_date_time=imported.updated_date_time)
    assert reconcile_patch(lead(), Held.from_referral(referral)) == [
        {"op": "add", "path": "/favorite", "value": True}]
