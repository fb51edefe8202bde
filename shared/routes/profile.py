"""The partner's business profile."""

from __future__ import annotations

import azure.functions as func

from shared.auth.principals import ADMIN_ROLES
from shared.domain.models import Profile, ProfileInput
from shared.http.call import Call, Route
from shared.http.pipeline import register
from shared.http.responses import json_response
from shared.services import profiles

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Profile"


def _profile(profile: Profile) -> func.HttpResponse:
    return json_response(200, profile.model_dump(mode="json", by_alias=True))


def _put(call: Call) -> func.HttpResponse:
    return _profile(profiles.put_profile(call.ctx, call.tenant, call.body(ProfileInput)))


def _get(call: Call) -> func.HttpResponse:
    return _profile(profiles.get_profile(call.ctx, call.tenant))


ROUTES = [
    Route("put_profile", "PUT", "profile", "Create or replace the business profile", TAG, _put,
          ADMIN_ROLES, body=ProfileInput, response=Profile,
          description="Replaces the caller's organisation's profile as a whole. Microsoft's "
                      "systems can send referrals to the organisation once it exists."),
    Route("get_profile", "GET", "profile", "Get the business profile", TAG, _get, ADMIN_ROLES,
          response=Profile, description="The caller's organisation's profile; 404 until it "
                                        "has been created."),
]
register(bp, ROUTES)
