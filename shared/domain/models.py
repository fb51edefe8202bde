"""Domain models. camelCase on the wire (aliases), snake_case in Python.

Input models forbid unknown fields and are validated in JSON mode (no silent coercion of
"1" to 1). Length limits keep every stored string well under Table Storage's 64 KiB
property limit and every entity under 1 MiB, so writes never fail on size.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel

from .enums import CustomerSize, Qualification, Status, Substatus
from .sources import MarketplaceLead, PartnerCenterLink, Source
from .webhook_url import normalize_webhook_url

# Loose on purpose: a practical address check (local@domain.tld), not RFC 5322. No control
# characters (C0, DEL, C1): an address becomes the To: header and the SMTP RCPT TO.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = (rf"^[^@\s\x00-\x1f\x7f-\x9f\"<>()\[\],;:]{{1,64}}@{_LABEL}"
                 rf"(?:\.{_LABEL})+$")
PHONE_PATTERN = r"^[0-9 +\-()]{3,32}$"
# Partner (tenant) ids become PartitionKeys: keep to characters Table keys allow and URLs keep.
TENANT_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
# Validation context key: whether plain http to loopback is allowed (AUTH_MODE=local).
ALLOW_LOOPBACK_HTTP = "allow_loopback_http"

Name = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Notes = Annotated[str, StringConstraints(max_length=4000)]
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)]
Phone = Annotated[str, StringConstraints(pattern=PHONE_PATTERN)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
TenantId = Annotated[str, StringConstraints(pattern=TENANT_PATTERN)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


def _two_decimals(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite number")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValueError("must have at most 2 decimals")
    return value


def _json_number(value: object, info: ValidationInfo) -> object:
    # Decimal would accept "10" from JSON; the contract says money is a number. Stored
    # rows (validated in python mode) keep money as an exact decimal string.
    if info.mode == "python" and isinstance(value, str):
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a number")
    return Decimal(str(value))


MAX_MONEY = 1_000_000_000_000
# What money is on the wire, written out because pydantic would describe the Decimal as
# number-or-string with its own ge/le keywords, which OpenAPI tools reject or mistype.
MONEY_JSON_SCHEMA = {"type": "number", "minimum": 0, "maximum": MAX_MONEY, "multipleOf": 0.01}

Money = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, le=Decimal(MAX_MONEY)),
    AfterValidator(_two_decimals),
    WithJsonSchema(MONEY_JSON_SCHEMA),
]


class Model(BaseModel):
    """Base: camelCase aliases, unknown fields refused, no type coercion from JSON."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class Contact(Model):
    first_name: Name
    last_name: Name
    email: Email | None = None
    phone_number: Phone | None = None
    title: ShortText | None = None  # a job title, e.g. from a marketplace lead's user details


class TeamMember(Model):
    first_name: Name
    last_name: Name
    email: Email
    phone_number: Phone


class Owner(Model):
    """The person of the partner who works an accepted referral."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    name: Name
    email: Email


class FitReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    points: int


class Fit(BaseModel):
    """A score 0..100, always the sum of its reasons' points (fit.py computes it)."""

    model_config = ConfigDict(frozen=True)

    score: int
    reasons: list[FitReason]


class Address(Model):
    city: ShortText | None = None
    country: Country | None = None
    region: ShortText | None = None
    postal_code: Annotated[str, StringConstraints(max_length=20)] | None = None
    address_line1: ShortText | None = None


class CustomerProfile(Model):
    name: ShortText
    size: CustomerSize | None = None
    address: Address | None = None
    contacts: list[Contact] = Field(default_factory=list, max_length=20)


class Requirements(Model):
    products: list[Tag] = Field(default_factory=list, max_length=50)
    industries: list[Tag] = Field(default_factory=list, max_length=50)
    services: list[Tag] = Field(default_factory=list, max_length=50)


class Details(Model):
    notes: Notes | None = None
    customer_requested_contact: bool = False
    deal_value: Money | None = None
    currency: Currency | None = None
    closing_date: date | None = None
    requirements: Requirements = Field(default_factory=Requirements)


class InvitedBy(Model):
    organization_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    organization_name: ShortText


class Referral(Model):
    """The stored referral. Stage, category, contact alert and eTag are derived at the edge."""

    id: str
    partner_id: str
    name: str | None = None
    qualification: Qualification
    status: Status
    substatus: Substatus
    status_reason: str | None = None
    closing_notes: str | None = None
    customer_profile: CustomerProfile
    details: Details
    invited_by: InvitedBy
    external_reference_id: str | None = None
    campaign_id: str | None = None
    team: list[TeamMember] = Field(default_factory=list)
    owner: Owner | None = None
    # How well it fits the partner (fit.py): scored at arrival, re-scored while received
    # when the profile changes. None only for referrals stored before fit existed.
    fit: Fit | None = None
    favorite: bool = False
    created_date_time: datetime
    updated_date_time: datetime
    expiration_date_time: datetime | None = None
    accepted_date_time: datetime | None = None
    closed_date_time: datetime | None = None
    # When the one response reminder went out; set in the same write as its outbox event.
    reminded_date_time: datetime | None = None
    # Where it came from (r3): the intake API, Partner Center, or a marketplace offer.
    source: Source = Source.API
    partner_center: PartnerCenterLink | None = None  # source partnerCenter only
    marketplace: MarketplaceLead | None = None  # source marketplace only
    # A marketplace lead whose action is DNC: the customer asked not to be contacted.
    do_not_contact: bool = False


class Location(Model):
    name: ShortText
    country: Country
    contacts: list[Contact] = Field(default_factory=list, max_length=50)


class Profile(Model):
    company_name: ShortText
    keywords: list[Tag] = Field(default_factory=list, max_length=50)
    customer_sizes: list[CustomerSize] = Field(default_factory=list, max_length=3)
    locations: list[Location] = Field(default_factory=list, max_length=50)
    webhook_url: Annotated[str, StringConstraints(max_length=2048)] | None = None


def _webhook_url(value: str | None, info: ValidationInfo) -> str | None:
    """The normalised URL (the one stored and called), or ValueError. Plain http to a
    loopback literal only when the edge says so (AUTH_MODE=local); without that context
    the strict rule applies."""
    if value is None:
        return None
    allow = bool((info.context or {}).get(ALLOW_LOOPBACK_HTTP))
    return normalize_webhook_url(value, allow_loopback_http=allow)


class ProfileInput(Profile):
    """The PUT /profile body: the profile, with the webhook URL checked."""

    webhook_url: Annotated[
        str, StringConstraints(max_length=2048), AfterValidator(_webhook_url)
    ] | None = None
    # GET answers the marketplace lead URL's status beside the profile; a client that sends
    # back what it read must not be refused for it. Read-only: ignored and never stored.
    marketplace_endpoint: dict[str, Any] | None = Field(
        default=None, exclude=True,
        description="Read-only (GET /api/profile answers it); ignored when sent.")
