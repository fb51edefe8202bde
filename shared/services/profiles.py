from __future__ import annotations

from shared.domain.errors import NotFound
from shared.domain.models import Profile, ProfileInput

from . import refit
from .context import Context


def put_profile(ctx: Context, partner_id: str, body: ProfileInput) -> Profile:
    profile = Profile.model_validate(body.model_dump())
    before = ctx.profiles.get(partner_id)
    # Marked before the put, enqueued after it (a worker that reads the profile must see
    # the new one): a process that dies in between leaves the mark for the redispatch timer.
    token = refit.request(ctx, partner_id) if refit.affects_fit(before, profile) else None
    ctx.profiles.put(partner_id, profile)
    if token is not None:
        refit.run(ctx, partner_id, token)
    return profile


def get_profile(ctx: Context, partner_id: str) -> Profile:
    profile = ctx.profiles.get(partner_id)
    if profile is None:
        raise NotFound("This organisation has no business profile yet.")
    return profile
