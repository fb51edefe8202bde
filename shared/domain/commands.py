"""Request bodies of the actions, validated at the edge before any service runs."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo, field_validator

from .enums import DeclineReason, Qualification
from .models import (
    Currency,
    CustomerProfile,
    InvitedBy,
    Model,
    Money,
    Notes,
    Requirements,
    ShortText,
    TeamMember,
    TenantId,
)

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
MAX_TEAM = 50


class IntakeDetails(Model):
    notes: Notes | None = None
    customer_requested_contact: bool = False
    requirements: Requirements = Field(default_factory=Requirements)


class IntakeRequest(Model):
    partner_id: TenantId
    qualification: Qualification
    customer_profile: CustomerProfile
    details: IntakeDetails = Field(default_factory=IntakeDetails)
    invited_by: InvitedBy


class AcceptRequest(Model):
    name: ShortText
    deal_value: Money
    currency: Currency
    closing_date: date
    notes: Notes | None = None
    external_reference_id: ExternalId | None = None
    campaign_id: ExternalId | None = None
    team: list[TeamMember] = Field(default_factory=list, max_length=MAX_TEAM)


class DeclineRequest(Model):
    reason: DeclineReason
    # validate_default: the check below must also run when notes are absent.
    notes: Notes | None = Field(default=None, validate_default=True)

    @field_validator("notes")
    @classmethod
    def _notes_for_other(cls, notes: str | None, info: ValidationInfo) -> str | None:
        # A field validator (not a model one) so the error's target is "notes".
        if info.data.get("reason") is DeclineReason.OTHER and not (notes and notes.strip()):
            raise ValueError("notes are required when reason is Other")
        return notes


class EditRequest(Model):
    """PATCH: only the fields present change; an explicit null clears an optional one."""

    name: ShortText | None = None
    deal_value: Money | None = None
    currency: Currency | None = None
    closing_date: date | None = None
    notes: Notes | None = None
    external_reference_id: ExternalId | None = None
    campaign_id: ExternalId | None = None


class WinRequest(Model):
    notes: Notes | None = None


class LoseRequest(Model):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    notes: Notes | None = None
