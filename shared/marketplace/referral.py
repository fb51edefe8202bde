"""A marketplace lead as the referral intake takes it: a ``Direct`` referral (the Marketplace
leads tab) invited by Microsoft, with its marketplace origin.

Nothing the marketplace sends may lose the lead: a value that does not fit the referral's
stricter fields (an e-mail address or phone number our rules refuse, a country that is not
a two-letter code, text over a length limit) is shortened or moved into the notes instead of
refusing the lead, which the marketplace would never send again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.domain.commands import IntakeDetails, IntakeRequest
from shared.domain.enums import Qualification
from shared.domain.events import MICROSOFT_ORG
from shared.domain.models import (
    EMAIL_PATTERN,
    PHONE_PATTERN,
    Address,
    Contact,
    CustomerProfile,
    InvitedBy,
    Requirements,
)
from shared.domain.sources import MarketplaceLead

from .lead import Lead, UserDetails

MICROSOFT = InvitedBy(organization_id=MICROSOFT_ORG, organization_name="Microsoft")
NO_NAME = "Marketplace lead"  # the customer's name when the lead carries none
NOT_GIVEN = "(not given)"  # a contact's missing first or last name
CONTACT_ME = "PLT"  # partner-led trial: the customer chose "Contact me"
DO_NOT_CONTACT = "DNC"
# The domain's limits (models.py): Name 100, ShortText 200, Tag 100, Notes 4000.
NAME_MAX, TEXT_MAX, TAG_MAX, NOTES_MAX, EMAIL_MAX = 100, 200, 100, 4000, 254
_COUNTRY = re.compile(r"[A-Za-z]{2}")


@dataclass(frozen=True)
class MarketplaceIntake:
    """What the intake needs to store a marketplace lead as a referral."""

    request: IntakeRequest
    origin: MarketplaceLead
    do_not_contact: bool


def to_intake(lead: Lead, partner_id: str) -> MarketplaceIntake:
    origin = lead.origin()
    action = (origin.action or "").upper()
    extra: list[str] = []  # what did not fit a field of its own, kept in the notes
    contact = _contact(lead.user, extra)
    country = _country(lead.user.country, extra)
    if lead.user.title and contact is None:  # a title and no person to give it to
        extra.append(f"Title: {clip(lead.user.title, TEXT_MAX)}")
    products = [clip(origin.offer_title, TAG_MAX)] if origin.offer_title else []
    request = IntakeRequest(
        partner_id=partner_id,
        qualification=Qualification.DIRECT,
        customer_profile=CustomerProfile(
            name=clip(customer_name(lead.user), TEXT_MAX),
            address=Address(country=country) if country else None,
            contacts=[contact] if contact else []),
        details=IntakeDetails(
            notes=_notes(lead.description, extra),
            customer_requested_contact=action == CONTACT_ME,
            # The offer is what the customer asked about: fit's keywords and "similar
            # referrals" read the products.
            requirements=Requirements(products=products)),
        invited_by=MICROSOFT)
    return MarketplaceIntake(request, origin, action == DO_NOT_CONTACT)


def customer_name(user: UserDetails) -> str:
    """The company, else the person's name, else "Marketplace lead"."""
    person = " ".join(p for p in (user.first_name, user.last_name) if p)
    return user.company or person or NO_NAME


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _contact(user: UserDetails, extra: list[str]) -> Contact | None:
    email = user.email
    if email and not (len(email) <= EMAIL_MAX and re.fullmatch(EMAIL_PATTERN, email)):
        extra.append(f"E-mail: {clip(email, TEXT_MAX)}")
        email = None
    phone = user.phone
    if phone and not re.fullmatch(PHONE_PATTERN, phone):
        extra.append(f"Phone: {clip(phone, TEXT_MAX)}")
        phone = None
    if not (user.first_name or user.last_name or email or phone):
        return None  # e.g. a lead from a .edu address: no personal data at all
    return Contact(first_name=clip(user.first_name or NOT_GIVEN, NAME_MAX),
                   last_name=clip(user.last_name or NOT_GIVEN, NAME_MAX),
                   email=email, phone_number=phone,
                   title=clip(user.title, TEXT_MAX) if user.title else None)


def _country(raw: str | None, extra: list[str]) -> str | None:
    if raw and _COUNTRY.fullmatch(raw):
        return raw.upper()
    if raw:  # e.g. "USA" in the marketplace's own sample
        extra.append(f"Country: {clip(raw, TEXT_MAX)}")
    return None


def _notes(description: str | None, extra: list[str]) -> str | None:
    tail = "\n".join(extra)
    if not description:
        return tail or None
    room = NOTES_MAX - (len(tail) + 2 if tail else 0)
    return clip(description, room) + ("\n\n" + tail if tail else "")
