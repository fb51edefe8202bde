from __future__ import annotations

import azure.functions as func

from shared.auth import ADMIN_ROLES
from shared.domain.models import Profile, ProfileInput
from shared.services import profiles

from .http_support import handle, json_response

bp = func.Blueprint()  # type: ignore[no-untyped-call]


def _profile(profile: Profile) -> func.HttpResponse:
    return json_response(200, profile.model_dump(mode="json", by_alias=True))


@bp.route(route="profile", methods=["PUT"])
def put_profile(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: _profile(
        profiles.put_profile(c.ctx, c.tenant, c.body(ProfileInput))))


@bp.route(route="profile", methods=["GET"])
def get_profile(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: _profile(profiles.get_profile(c.ctx, c.tenant)))
