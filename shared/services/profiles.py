from __future__ import annotations

from shared.domain.errors import NotFound
from shared.domain.models import Profile, ProfileInput

from .context import Context


def put_profile(ctx: Context, partner_id: str, body: ProfileInput) -> Profile:
    profile = Profile.model_validate(body.model_dump())
    ctx.profiles.put(partner_id, profile)
    return profile


def get_profile(ctx: Context, partner_id: str) -> Profile:
    profile = ctx.profiles.get(partner_id)
    if profile is None:
        raise NotFound("This organisation has no business profile yet.")
    return profile
