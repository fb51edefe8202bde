from __future__ import annotations

from shared.domain.errors import NotFound
from shared.domain.models import Profile, ProfileInput

from . import refit
from .context import Context


def put_profile(ctx: Context, partner_id: str, body: ProfileInput) -> Profile:
    profile = Profile.model_validate(body.model_dump())
    before = ctx.profiles.get(partner_id)
    ctx.profiles.put(partner_id, profile)
    if refit.affects_fit(before, profile):
        # After the put: a worker that reads the profile must see the new one. Lost if the
        # process dies right here (scores stay as they were until the next profile change).
        refit.start(ctx, partner_id)
    return profile


def get_profile(ctx: Context, partner_id: str) -> Profile:
    profile = ctx.profiles.get(partner_id)
    if profile is None:
        raise NotFound("This organisation has no business profile yet.")
    return profile
