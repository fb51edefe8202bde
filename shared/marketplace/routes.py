"""The marketplace routes (contract section 10): the partner's lead URL, and the lead
destination the marketplace posts to.

``POST /api/marketplace/leads/{key}`` is anonymous: the key in the URL is the proof. It is
verified before the body is read; then the body is taken as the marketplace sends it (any
Content-Type, names in any case), so the pipeline's JSON body parsing is not used here.
"""

from __future__ import annotations

from typing import Literal

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from shared.auth.principals import ADMIN_ROLES
from shared.http.bodies import Out, dump
from shared.http.call import MAX_BODY, Call, Route
from shared.http.errors import InvalidRequest, PayloadTooLarge
from shared.http.pipeline import register
from shared.http.responses import SECURITY_HEADERS, json_response

from . import service
from .lead import LeadRefused

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Marketplace"
LEADS_ROUTE = "marketplace/leads/{key}"


class EndpointUrl(Out):
    url: str = Field(description="`{PUBLIC_BASE_URL}/api/marketplace/leads/{key}`, the key "
                                 "32 random bytes. Shown only in this answer: paste it into "
                                 "each offer's Customer leads setting (HTTPS endpoint).")


class LeadAccepted(Out):
    id: str = Field(description="The referral the lead is (201: new; 200: a retry of the "
                                "same body within 24 hours).")


class TestLeadAccepted(Out):
    test: Literal[True]


class _Lead(BaseModel):
    """Documentation only: the body is read by shared/marketplace/lead.py."""

    model_config = ConfigDict(extra="allow")


class LeadUserDetails(_Lead):
    FirstName: str | None = None
    LastName: str | None = None
    Email: str | None = None
    Phone: str | None = None
    Country: str | None = None
    Company: str | None = None
    Title: str | None = None


class MarketplaceLeadBody(_Lead):
    """A lead as the marketplace sends it. Property names match in any case (`userDetails`,
    `firstName`); unknown properties are ignored; every property may be missing or empty."""

    UserDetails: LeadUserDetails | None = None
    LeadSource: str | None = Field(default=None, description="`<source>-<action>|<offer id>`, "
                                   "e.g. `SPZA-PLT|contoso.cloud-migration`.")
    ActionCode: str | None = None
    OfferTitle: str | None = None
    Description: str | None = None


def _create(call: Call) -> func.HttpResponse:
    return json_response(200, dump(EndpointUrl(url=service.create_endpoint(call.ctx,
                                                                           call.tenant))))


def _revoke(call: Call) -> func.HttpResponse:
    service.revoke_endpoint(call.ctx, call.tenant)
    return func.HttpResponse(status_code=204, headers=SECURITY_HEADERS)


def _lead(call: Call) -> func.HttpResponse:
    found = service.verify(call.ctx, call.route_param("key"))  # before the body is read
    raw = call.req.get_body() or b""
    if len(raw) > MAX_BODY:
        raise PayloadTooLarge(f"The body is larger than {MAX_BODY // 1024} KiB.")
    try:
        got = service.receive(call.ctx, found, raw)
    except LeadRefused as exc:
        target = exc.problems[0].field if len(exc.problems) == 1 else None
        raise InvalidRequest(exc.message, target, exc.problems) from None
    if got.referral_id is None:
        return json_response(200, dump(TestLeadAccepted(test=True)))
    return json_response(201 if got.created else 200, dump(LeadAccepted(id=got.referral_id)))


_LEAD_DOC = ("Where a marketplace offer's leads arrive (the offer's Customer leads setting, "
             "HTTPS endpoint). The key in the URL is the authentication: an unknown, rotated "
             "or revoked key is a 404 that takes as long as a known key's check. Any "
             "Content-Type is accepted if the body is a JSON object; a known property of the "
             "wrong JSON type is a 400 naming every such field. A lead becomes a `Direct` "
             "referral with `source: \"marketplace\"` and its `marketplace` block (201); the "
             "same body again within 24 hours answers 200 with the same id and creates "
             "nothing; the marketplace's test lead (first name, e-mail or description "
             "starting with `MSFT_TEST`) answers 200 `{\"test\": true}` and creates nothing.")

ROUTES = [
    Route("create_marketplace_endpoint", "POST", "profile/marketplace-endpoint",
          "Create or rotate the marketplace lead URL", "Profile", _create, ADMIN_ROLES,
          response=EndpointUrl,
          description="A new URL for the organisation's marketplace offers to send leads to, "
                      "replacing any previous one at once (the old URL answers 404). Shown "
                      "only in this answer: only a hash of its key is stored. 409 "
                      "`profileRequired` without a business profile; 503 when "
                      "PUBLIC_BASE_URL is not set."),
    Route("revoke_marketplace_endpoint", "DELETE", "profile/marketplace-endpoint",
          "Revoke the marketplace lead URL", "Profile", _revoke, ADMIN_ROLES, status=204,
          description="Leads sent to the URL are refused (404) from now on. Idempotent."),
    Route("receive_marketplace_lead", "POST", LEADS_ROUTE, "Receive a marketplace lead", TAG,
          _lead, None, body=MarketplaceLeadBody, response=LeadAccepted, status=201,
          description=_LEAD_DOC,
          extra_responses={"200": {"description": "A retry of a lead already received (its "
                                                  "referral's id), or the test lead "
                                                  "(`{\"test\": true}`).",
                                   "content": {"application/json": {"schema": {
                                       "type": "object", "properties": {
                                           "id": {"type": "string"},
                                           "test": {"type": "boolean"}}}}}}}),
]
register(bp, ROUTES)
