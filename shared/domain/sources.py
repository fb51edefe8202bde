"""Where a referral came from, and what its source system says about it (contract sections 9
and 10): the intake API, a connected Partner Center account, or a marketplace offer's lead
destination. Pure models; the connectors in shared/partner_center and shared/marketplace
fill them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Source(StrEnum):
    API = "api"  # POST /api/referrals (Referrals.Intake)
    PARTNER_CENTER = "partnerCenter"  # brought in from the partner's Partner Center account
    MARKETPLACE = "marketplace"  # an offer's HTTPS lead destination


class SyncState(StrEnum):
    """How Partner Center stands against the referral here."""

    SYNCED = "synced"  # Partner Center matches the referral here
    PENDING = "pending"  # a local change is waiting to be written back
    CONFLICT = "conflict"  # Partner Center had closed it differently; its state won
    FAILED = "failed"  # the write-back gave up (see ``message``)


class _Part(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True,
                              extra="forbid")


class PartnerCenterLink(_Part):
    """The Partner Center side of a referral brought in from it."""

    id: str  # Partner Center's referral id (a GUID)
    e_tag: str | None = None  # its eTag as last read; the write-back's If-Match
    sync_state: SyncState = SyncState.SYNCED
    last_synced_date_time: datetime | None = None
    message: str | None = None  # why the last write-back failed or conflicted


class MarketplaceLead(_Part):
    """A marketplace lead's origin, parsed from its ``LeadSource`` (``<source>-<action>|<offer
    id>``, e.g. ``SPZA-PLT|contoso.cloud-migration``); the parts are None when it does not
    parse, and ``lead_source`` keeps the raw text either way."""

    lead_source: str | None = None
    source: str | None = None  # e.g. SPZA (AppSource), AzureMarketplace, ...
    action: str | None = None  # e.g. PLT (trial, "contact me"), DNC (do not contact), INS
    offer_id: str | None = None
    offer_title: str | None = None


class Origin(_Part):
    """Where a new referral comes from, beyond what its intake body says; the intake API's
    referrals take the defaults."""

    source: Source = Source.API
    partner_center: PartnerCenterLink | None = None
    marketplace: MarketplaceLead | None = None
    do_not_contact: bool = False


API_ORIGIN = Origin()
