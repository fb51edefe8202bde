"""The partner's business profile, with its marketplace lead URL's status (never the key)."""

from __future__ import annotations

import azure.functions as func
from pydantic import Field

from shared.auth.principals import ADMIN_ROLES
from shared.domain.events import iso
from shared.domain.models import Profile, ProfileInput
from shared.http.bodies import Out, Timestamp
from shared.http.call import Call, Route
from shared.http.pipeline import register
from shared.http.responses import json_response
from shared.marketplace import service as marketplace
from shared.services import profiles

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Profile"


class MarketplaceEndpointOut(Out):
    created_date_time: Timestamp = Field(description="When the current lead URL was made.")
    last_lead_date_time: Timestamp | None = Field(
        description="When its last lead arrived (to the minute: a lead within a minute of the "
                    "last one recorded is not recorded again).")
    last_test_lead_date_time: Timestamp | None = Field(
        description="When the marketplace's last test lead (MSFT_TEST) arrived at it.")


class ProfileOut(Profile):
    marketplace_endpoint: MarketplaceEndpointOut | None = Field(
        description="The marketplace lead URL's status (POST "
                    "/api/profile/marketplace-endpoint); null without one. Read-only.")


def _profile(call: Call, profile: Profile) -> func.HttpResponse:
    found = marketplace.endpoint(call.ctx, call.tenant)
    status = None if found is None else MarketplaceEndpointOut(
        created_date_time=iso(found.created),
        last_lead_date_time=iso(found.last_lead) if found.last_lead else None,
        last_test_lead_date_time=iso(found.last_test_lead) if found.last_test_lead else None)
    body = profile.model_dump(mode="json", by_alias=True)
    body["marketplaceEndpoint"] = status.model_dump(mode="json", by_alias=True) if status \
        else None
    return json_response(200, body)


def _put(call: Call) -> func.HttpResponse:
    return _profile(call, profiles.put_profile(call.ctx, call.tenant, call.body(ProfileInput)))


def _get(call: Call) -> func.HttpResponse:
    return _profile(call, profiles.get_profile(call.ctx, call.tenant))


ROUTES = [
    Route("put_profile", "PUT", "profile", "Create or replace the business profile", TAG, _put,
          ADMIN_ROLES, body=ProfileInput, response=ProfileOut,
          description="Replaces the caller's organisation's profile as a whole. Microsoft's "
                      "systems can send referrals to the organisation once it exists."),
    Route("get_profile", "GET", "profile", "Get the business profile", TAG, _get, ADMIN_ROLES,
          response=ProfileOut, description="The caller's organisation's profile; 404 until it "
                                        "has been created."),
]
register(bp, ROUTES)
