"""The commands a caller can give: request bodies, validated at the edge before any use case runs.

Rules that need more than the field itself (today's date) read it from the validation
context, so one parse reports every bad field at once; the domain operations apply the same
rules again (``MAX_TEAM``, ``closing_date_problem`` below), so no caller can skip them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationInfo, field_validator
from pydantic.json_schema import SkipJsonSchema

from .enums import DeclineReason, LostReason, Qualification
from .models import (
    Currency,
    CustomerProfile,
    InvitedBy,
    Model,
    Money,
    Notes,
    Owner,
    Requirements,
    ShortText,
    TeamMember,
    TenantId,
)

# Business rules on single values, shared by request validation and the operations.
# Each member is an index row written in the change's own transaction (at most 100
# operations): the team stays small enough that an accept with a full team still fits.
MAX_TEAM = 20


def closing_date_problem(closing: date, today: date) -> str | None:
    return "must be today or later" if closing < today else None

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _not_past(closing: date | None, info: ValidationInfo) -> date | None:
    today = (info.context or {}).get("today")
    if closing is not None and isinstance(today, date):
        problem = closing_date_problem(closing, today)
        if problem:
            raise ValueError(problem)
    return closing


def _other_needs_notes(is_other: bool, notes: str | None) -> str | None:
    if is_other and not (notes and notes.strip()):
        raise ValueError("notes are required when reason is Other")
    return notes


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

    _closing_not_past = field_validator("closing_date")(_not_past)


class DeclineRequest(Model):
    reason: DeclineReason
    # validate_default: the check below must also run when notes are absent.
    notes: Notes | None = Field(default=None, validate_default=True)

    @field_validator("notes")
    @classmethod
    def _notes_for_other(cls, notes: str | None, info: ValidationInfo) -> str | None:
        # A field validator (not a model one) so the error's target is "notes".
        return _other_needs_notes(info.data.get("reason") is DeclineReason.OTHER, notes)


class EditRequest(Model):
    """PATCH: only the fields present change. ``name``, ``dealValue``, ``currency`` and
    ``closingDate`` may be left out but never cleared (an accepted deal always has them);
    the others take an explicit null to clear them."""

    name: ShortText | SkipJsonSchema[None] = None
    deal_value: Money | SkipJsonSchema[None] = None
    currency: Currency | SkipJsonSchema[None] = None
    closing_date: date | SkipJsonSchema[None] = None
    notes: Notes | None = None
    external_reference_id: ExternalId | None = None
    campaign_id: ExternalId | None = None

    @field_validator("name", "deal_value", "currency", "closing_date")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        # Runs only for fields present in the body (defaults are not validated).
        if value is None:
            raise ValueError("cannot be cleared on an accepted referral")
        return value


class WinRequest(Model):
    notes: Notes | None = None


class LoseRequest(Model):
    reason: LostReason
    # validate_default: the check below must also run when notes are absent.
    notes: Notes | None = Field(default=None, validate_default=True)

    @field_validator("notes")
    @classmethod
    def _notes_for_other(cls, notes: str | None, info: ValidationInfo) -> str | None:
        return _other_needs_notes(info.data.get("reason") is LostReason.OTHER, notes)


class AssignRequest(Model):
    """``{"owner": {...}}`` assigns; ``{"owner": null}`` unassigns."""

    owner: Owner | None


class RemoveTeamMember(Model):
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]


class SetFavorite(Model):
    favorite: bool


class AddTeamMember(Model):
    member: TeamMember
