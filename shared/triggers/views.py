"""Response shapes, as pydantic models: the routes build them and OpenAPI documents them,
so the document cannot drift from what is sent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from shared.domain.enums import Category, ContactAlert, Qualification, Stage, Status, Substatus
from shared.domain.events import iso
from shared.domain.lifecycle import stage_of
from shared.domain.models import (
    MONEY_JSON_SCHEMA,
    CustomerProfile,
    InvitedBy,
    Owner,
    Requirements,
    TeamMember,
)
from shared.domain.operations import contact_alert
from shared.domain.summary import Figures
from shared.storage.ports import Stored

# Schema-only annotations: the values are built elsewhere (``iso``, ``float``); these say what
# they are, so clients parse times as datetimes and money as a number.
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
MoneyOut = Annotated[float, WithJsonSchema(MONEY_JSON_SCHEMA)]


class Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class DetailsOut(Out):
    notes: str | None
    customer_requested_contact: bool
    deal_value: MoneyOut | None
    currency: str | None
    closing_date: date | None
    requirements: Requirements


class ReferralOut(Out):
    id: str
    partner_id: str
    name: str | None
    qualification: Qualification
    category: Category
    stage: Stage
    status: Status
    substatus: Substatus
    status_reason: str | None
    closing_notes: str | None = Field(description="Notes given with decline, win or lose.")
    customer_profile: CustomerProfile
    details: DetailsOut
    invited_by: InvitedBy
    external_reference_id: str | None
    campaign_id: str | None
    team: list[TeamMember]
    owner: Owner | None = Field(description="Who works the referral (accepted referrals).")
    favorite: bool
    contact_alert: ContactAlert | None
    created_date_time: Timestamp
    updated_date_time: Timestamp
    expiration_date_time: Timestamp | None
    accepted_date_time: Timestamp | None
    closed_date_time: Timestamp | None
    e_tag: str = Field(alias="eTag")


class ReferralPage(Out):
    value: list[ReferralOut]
    next_link: str | None = Field(default=None, description="Absent on the last page.")


class PipelineValue(Out):
    currency: str
    value: float


class Percentiles(Out):
    p50: float | None
    p90: float | None


class Insights(Out):
    received: int
    accepted: int
    declined: int
    expired: int
    won: int
    lost: int
    acceptance_rate: float | None
    win_rate: float | None
    median_response_hours: float | None
    response_hours_percentiles: Percentiles
    open_pipeline_value: list[PipelineValue]
    decline_reasons: dict[str, int] = Field(description="Declined referrals by reason.")
    lost_reasons: dict[str, int] = Field(description="Lost referrals by reason.")


class Health(Out):
    status: Literal["ok", "unavailable"]


class ErrorDetail(Out):
    code: str
    message: str
    target: str | None


class ErrorBody(ErrorDetail):
    details: list[ErrorDetail]


class ErrorEnvelope(Out):
    error: ErrorBody


def _time(value: datetime | None) -> str | None:
    return iso(value) if value is not None else None


def referral_out(stored: Stored, now: datetime, alert_window: timedelta) -> ReferralOut:
    r = stored.referral
    d = r.details
    return ReferralOut(
        id=r.id, partner_id=r.partner_id, name=r.name, qualification=r.qualification,
        category=r.qualification.category, stage=stage_of(r.status), status=r.status,
        substatus=r.substatus, status_reason=r.status_reason, closing_notes=r.closing_notes,
        customer_profile=r.customer_profile,
        details=DetailsOut(
            notes=d.notes, customer_requested_contact=d.customer_requested_contact,
            deal_value=float(d.deal_value) if d.deal_value is not None else None,
            currency=d.currency, closing_date=d.closing_date, requirements=d.requirements,
        ),
        invited_by=r.invited_by, external_reference_id=r.external_reference_id,
        campaign_id=r.campaign_id, team=r.team, owner=r.owner, favorite=r.favorite,
        contact_alert=contact_alert(r, now, alert_window),
        created_date_time=iso(r.created_date_time), updated_date_time=iso(r.updated_date_time),
        expiration_date_time=_time(r.expiration_date_time),
        accepted_date_time=_time(r.accepted_date_time),
        closed_date_time=_time(r.closed_date_time), eTag=stored.etag,
    )


def insights_out(f: Figures) -> Insights:
    return Insights(
        **f.counts, acceptance_rate=f.acceptance_rate, win_rate=f.win_rate,
        median_response_hours=f.median_response_hours,
        response_hours_percentiles=Percentiles(p50=f.median_response_hours,
                                               p90=f.p90_response_hours),
        open_pipeline_value=[PipelineValue(currency=c, value=float(v))
                             for c, v in f.open_pipeline.items()],
        decline_reasons=f.decline_reasons, lost_reasons=f.lost_reasons,
    )


def dump(model: BaseModel, *, exclude_none_fields: set[str] | None = None) -> dict[str, object]:
    data = model.model_dump(mode="json", by_alias=True)
    for name in exclude_none_fields or ():
        if data.get(name) is None:
            data.pop(name, None)
    return data


def referral_view(stored: Stored, now: datetime, alert_window: timedelta) -> dict[str, object]:
    return dump(referral_out(stored, now, alert_window))
