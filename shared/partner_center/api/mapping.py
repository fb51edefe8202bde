"""A Partner Center referral (Microsoft's "Referral resources") as this app's referral, and
which ones are brought in at all.

Only leads (contract section 9, Partner Center's own definition of marketplace and qualified
leads): ``direction`` Incoming, ``type`` Independent, ``qualification`` Direct,
MarketingQualified or SalesQualified, invited by ``msft`` or by nobody. Co-sell and outgoing
referrals are skipped and counted. ``customerProfile.team`` become the contacts, the
top-level ``team`` the partner's team, ``expirationDateTime`` the response window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from shared.domain.enums import Qualification, Status, Substatus
from shared.domain.models import CustomerProfile, Details, InvitedBy, Referral, TeamMember

from . import fields as f
from .errors import UnmappableReferral
from .ids import canonical_id
from .timefmt import parse_instant

MICROSOFT = InvitedBy(organization_id="msft", organization_name="Microsoft")


class SkipReason(StrEnum):
    NOT_INCOMING = "notIncoming"
    NOT_INDEPENDENT = "notIndependent"  # co-sell (Shared)
    NOT_A_LEAD_QUALIFICATION = "qualification"
    INVITED_BY_A_PARTNER = "invitedByPartner"


@dataclass(frozen=True)
class Held:
    """What Partner Center holds of a referral, in this app's terms: the fields the
    write-back keeps equal (``shared/domain/partner_center.held_view``; the owner stays
    local). Built from a local referral (``from_referral``) or read from Partner Center
    (``held_of``), so the write-back compares like with like."""

    status: Status
    substatus: Substatus
    status_reason: str | None = None  # a DeclineReason/LostReason value, or "Other"
    closing_notes: str | None = None
    name: str | None = None
    deal_value: Decimal | None = None
    currency: str | None = None
    notes: str | None = None
    closing_date: date | None = None
    external_reference_id: str | None = None
    campaign_id: str | None = None
    team: tuple[TeamMember, ...] = ()
    favorite: bool = False

    @classmethod
    def from_referral(cls, referral: Referral) -> Held:
        """From the referral as it is here now."""
        details = referral.details
        return cls(referral.status, referral.substatus, referral.status_reason,
                   referral.closing_notes, referral.name, details.deal_value, details.currency,
                   details.notes, details.closing_date, referral.external_reference_id,
                   referral.campaign_id, tuple(referral.team), referral.favorite)


@dataclass(frozen=True)
class Imported:
    """A Partner Center lead as the fields a ``Referral`` here needs."""

    id: str  # Partner Center's id, canonical (ids.canonical_id)
    e_tag: str | None
    qualification: Qualification
    held: Held
    customer_profile: CustomerProfile
    details: Details  # notes, dealValue, currency, closingDate and requirements
    invited_by: InvitedBy  # Microsoft when nobody invited (a lead straight from a customer)
    created_date_time: datetime
    updated_date_time: datetime
    expiration_date_time: datetime | None  # the response window's end
    accepted_date_time: datetime | None


def skip_reason(pc: Mapping[str, Any]) -> SkipReason | None:
    """Why this referral is not brought in, or None for a lead."""
    if pc.get("direction") != "Incoming":
        return SkipReason.NOT_INCOMING
    if pc.get("type") != "Independent":
        return SkipReason.NOT_INDEPENDENT
    if pc.get("qualification") not in Qualification._value2member_map_:
        return SkipReason.NOT_A_LEAD_QUALIFICATION
    inviter = f.obj(f.obj(pc.get("inviteContext")).get("invitedBy")).get("organizationId")
    if inviter not in (None, "", "msft"):
        return SkipReason.INVITED_BY_A_PARTNER
    return None


def held_of(pc: Mapping[str, Any]) -> Held:
    """Partner Center's side of the held fields; UnmappableReferral for an unknown stage."""
    found = f.stage(pc)
    if found is None:
        raise UnmappableReferral(f"unknown status {pc.get('status')}/{pc.get('substatus')}")
    details = f.obj(pc.get("details"))
    closed_with_reason = found[1] in (Substatus.DECLINED, Substatus.LOST)
    reason, notes = f.reason_and_notes(pc.get("statusReason")) if closed_with_reason \
        else (None, None)
    team = tuple(m for m in map(f.member, _list(pc.get("team"))) if m is not None)
    return Held(
        status=found[0], substatus=found[1], status_reason=reason, closing_notes=notes,
        name=f.text(pc.get("name")), deal_value=f.money(details.get("dealValue")),
        currency=f.currency(details.get("currency")),
        notes=f.text(details.get("notes"), f.MAX_NOTES), closing_date=f.day(
            details.get("closingDateTime")),
        external_reference_id=f.text(pc.get("externalReferenceId"), 100),
        campaign_id=f.text(pc.get("campaignId"), 100), team=team,
        favorite=pc.get("favorite") is True)


def to_local(pc: Mapping[str, Any]) -> Imported:
    """The lead as this app's fields; UnmappableReferral when it cannot be held here (no
    GUID id, no customer name, no creation or update time, an unknown stage)."""
    referral_id = canonical_id(pc.get("id"))
    profile = f.obj(pc.get("customerProfile"))
    customer = f.text(profile.get("name"), 200)
    updated = _instant(pc.get("updatedDateTime"))
    created = _instant(pc.get("createdDateTime")) or updated
    if referral_id is None or customer is None or created is None or updated is None:
        raise UnmappableReferral("no GUID id, customer name or creation and update time")
    contacts = [c for c in map(f.contact, _list(profile.get("team"))) if c is not None]
    held = held_of(pc)
    details = f.obj(pc.get("details"))
    qualification = pc.get("qualification")
    return Imported(
        id=referral_id, e_tag=f.text(pc.get("eTag")),
        qualification=Qualification(qualification) if isinstance(qualification, str)
        and qualification in Qualification._value2member_map_ else Qualification.DIRECT,
        held=held,
        customer_profile=CustomerProfile(name=customer, size=f.size(profile.get("size")),
                                         address=f.address(profile.get("address")),
                                         contacts=contacts[:20]),
        details=Details(notes=held.notes, deal_value=held.deal_value, currency=held.currency,
                        closing_date=held.closing_date,
                        requirements=f.requirements(details.get("requirements"))),
        invited_by=_inviter(pc), created_date_time=created, updated_date_time=updated,
        expiration_date_time=_instant(pc.get("expirationDateTime")),
        accepted_date_time=_instant(pc.get("acceptedDateTime")))


def _inviter(pc: Mapping[str, Any]) -> InvitedBy:
    invited = f.obj(f.obj(pc.get("inviteContext")).get("invitedBy"))
    name = f.text(invited.get("organizationName"), 200)
    return InvitedBy(organization_id="msft", organization_name=name) if name else MICROSOFT


def _instant(value: object) -> datetime | None:
    return parse_instant(value) if isinstance(value, str) else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
