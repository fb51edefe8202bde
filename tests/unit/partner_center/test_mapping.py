"""Partner Center -> here (shared/partner_center/mapping.py): which referrals are leads, and
each field of a lead as this app holds it."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared.domain.enums import CustomerSize, Qualification, Status, Substatus
from shared.partner_center.api.errors import UnmappableReferral
from shared.partner_center.api.mapping import SkipReason, held_of, skip_reason, to_local

from .samples import RID, lead


@pytest.mark.parametrize("qualification", ["Direct", "MarketingQualified", "SalesQualified"])
@pytest.mark.parametrize("invite", [{"invitedBy": {"organizationId": "msft"}}, {}, None])
def test_leads_are_incoming_independent_qualified_and_invited_by_microsoft_or_nobody(
        qualification, invite):
    assert skip_reason(lead(qualification=qualification, inviteContext=invite)) is None


@pytest.mark.parametrize(("changes", "reason"), [
    ({"direction": "Outgoing"}, SkipReason.NOT_INCOMING),
    ({"type": "Shared"}, SkipReason.NOT_INDEPENDENT),
    ({"qualification": "None"}, SkipReason.NOT_A_LEAD_QUALIFICATION),
    ({"inviteContext": {"invitedBy": {"organizationId": "a-partner-id"}}},
     SkipReason.INVITED_BY_A_PARTNER),
])
def test_co_sell_and_everything_else_is_skipped(changes, reason):
    assert skip_reason(lead(**changes)) is reason


def test_a_lead_maps_field_by_field():
    imported = to_local(lead(id=RID.upper()))
    assert (imported.id, imported.e_tag) == (RID, "\"2500ec5a-0000-0000-0000-5bf4967d0000\"")
    assert imported.qualification is Qualification.SALES_QUALIFIED
    assert (imported.held.status, imported.held.substatus) == (Status.NEW, Substatus.RECEIVED)
    profile = imported.customer_profile
    assert profile.name == "Contoso Customer Inc" and profile.size is CustomerSize.SMALL
    assert (profile.address.city, profile.address.region, profile.address.country) == (
        "Redmond", "WA", "US")
    # customerProfile.team become contacts; a phone this app cannot hold is left out.
    assert [(c.email, c.phone_number) for c in profile.contacts] == [
        ("sue.smith@contoso.com", "1234567890"), ("joe.hansen@contoso.com", None)]
    assert imported.details.deal_value == Decimal("50000.00")
    assert imported.details.currency == "USD"
    assert imported.details.requirements.products == ["Dynamics365Enterprise"]
    assert [m.email for m in imported.held.team] == ["john.doe@partner.example"]
    assert imported.invited_by.organization_id == "msft"
    assert imported.expiration_date_time == datetime(2026, 11, 12, tzinfo=UTC)
    assert imported.updated_date_time == datetime(2026, 10, 30, 8, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(("status", "substatus", "expected"), [
    ("New", "Received", (Status.NEW, Substatus.RECEIVED)),
    ("Active", "Accepted", (Status.ACTIVE, Substatus.ACCEPTED)),
    ("Closed", "Won", (Status.CLOSED, Substatus.WON)),
    ("Closed", "Lost", (Status.CLOSED, Substatus.LOST)),
    ("Closed", "Declined", (Status.CLOSED, Substatus.DECLINED)),
    ("Closed", "Expired", (Status.CLOSED, Substatus.EXPIRED)),
])
def test_every_partner_center_stage_has_its_stage_here(status, substatus, expected):
    held = held_of(lead(status=status, substatus=substatus))
    assert (held.status, held.substatus) == expected


def test_reasons_written_back_read_back_and_free_text_is_other():
    declined = held_of(lead(status="Closed", substatus="Declined",
                            statusReason="NotAFit: too small for us"))
    assert (declined.status_reason, declined.closing_notes) == ("NotAFit", "too small for us")
    lost = held_of(lead(status="Closed", substatus="Lost", statusReason="Price"))
    assert (lost.status_reason, lost.closing_notes) == ("Price", None)
    free = held_of(lead(status="Closed", substatus="Declined", statusReason="Customer left"))
    assert (free.status_reason, free.closing_notes) == ("Other", "Customer left")


def test_closing_date_and_odd_values():
    held = held_of(lead(details={"dealValue": "12.345", "currency": "usd",
                                 "closingDateTime": "2026-12-01T00:00:00Z"}))
    assert (held.deal_value, held.currency, held.closing_date) == (None, None, date(2026, 12, 1))
    assert held_of(lead(details={"dealValue": 19.99})).deal_value == Decimal("19.99")


@pytest.mark.parametrize("size,expected", [
    ("1to9employees", CustomerSize.SMALL), ("51to250employees", CustomerSize.MEDIUM),
    ("251to1000employees", CustomerSize.MEDIUM), ("1001to5000employees", CustomerSize.LARGE),
    ("Morethan500employees", CustomerSize.LARGE), ("unknown", None),
])
def test_customer_sizes_fold_into_three_bands(size, expected):
    customer = {**lead()["customerProfile"], "size": size}
    assert to_local(lead(customerProfile=customer)).customer_profile.size is expected


@pytest.mark.parametrize("changes", [
    {"id": "not-a-guid"}, {"customerProfile": {"name": "  "}}, {"updatedDateTime": None},
    {"status": "Active", "substatus": "Engaged"},
])
def test_what_cannot_be_held_here_is_unmappable(changes):
    with pytest.raises(UnmappableReferral):
        to_local(lead(**changes))
