"""Response shapes, as pydantic models: the routes build them and OpenAPI documents them,
so the document cannot drift from what is sent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from shared.domain.enums import Category, ContactAlert, Qualification, Stage, Status, Substatus
from shared.domain.events import iso
from shared.domain.history import HistoryAction, HistoryEntry
from shared.domain.lifecycle import stage_of
from shared.domain.models import (
    MONEY_JSON_SCHEMA,
    CustomerProfile,
    Fit,
    InvitedBy,
    Owner,
    Requirements,
    TeamMember,
)
from shared.domain.operations import contact_alert
from shared.domain.sources import MarketplaceLead, PartnerCenterLink, Source
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
    fit: Fit | None = Field(description="How well it fits you: a score 0-100, the sum of its "
                                        "reasons' points.")
    favorite: bool
    contact_alert: ContactAlert | None
    created_date_time: Timestamp
    updated_date_time: Timestamp
    expiration_date_time: Timestamp | None
    accepted_date_time: Timestamp | None
    closed_date_time: Timestamp | None
    source: Source = Field(description="Where it came from: the intake API, Partner Center "
                                       "or a marketplace offer.")
    partner_center: PartnerCenterLink | None = Field(
        description="Partner Center referrals: its id there and how Partner Center stands.")
    marketplace: MarketplaceLead | None = Field(
        description="Marketplace leads: the offer and the action that produced it.")
    do_not_contact: bool = Field(description="The customer asked not to be contacted.")
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


class FitBand(Out):
    band: str = Field(description="Fit score band: 0-39, 40-69 or 70-100.")
    won: int
    lost: int
    win_rate: float | None


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
    fit_calibration: list[FitBand] = Field(
        description="Win rate by fit score band: whether the score means anything for you.")


class ActorOut(Out):
    id: str = Field(description="The caller's object id, or `system` for the sweeps.")
    name: str | None


class HistoryEntryOut(Out):
    at: Timestamp
    actor: ActorOut
    action: HistoryAction
    changes: dict[str, dict[str, Any]] = Field(
        description="Each changed field's old and new value: {field: {old, new}}.")


class HistoryPage(Out):
    value: list[HistoryEntryOut]
    next_link: str | None = Field(default=None, description="Absent on the last page.")


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
        campaign_id=r.campaign_id, team=r.team, owner=r.owner, fit=r.fit, favorite=r.favorite,
        contact_alert=contact_alert(r, now, alert_window), source=r.source,
        partner_center=r.partner_center, marketplace=r.marketplace,
        do_not_contact=r.do_not_contact,
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
        fit_calibration=[FitBand(band=b, won=w, lost=lo, win_rate=w / (w + lo) if w + lo else None)
                         for b, (w, lo) in f.fit_calibration.items()],
    )


def history_out(e: HistoryEntry) -> HistoryEntryOut:
    return HistoryEntryOut(at=iso(e.at), actor=ActorOut(id=e.actor.id, name=e.actor.name),
                           action=e.action, changes=e.changes)


def dump(model: BaseModel, *, exclude_none_fields: set[str] | None = None) -> dict[str, object]:
    data = model.model_dump(mode="json", by_alias=True)
    for name in exclude_none_fields or ():
        if data.get(name) is None:
            data.pop(name, None)
    return data


def referral_view(stored: Stored, now: datetime, alert_window: timedelta) -> dict[str, object]:
    return dump(referral_out(stored, now, alert_window))
