"""Where a delivery goes and the secret that signs it, or why it cannot go anywhere."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.events import Destination, Recipient
from shared.services.context import Context
from shared.services.secret_box import SealBroken
from shared.services.webhooks import partner_secret

NO_SECRET = ("the partner has no webhook signing secret; create one with "
             "POST /api/profile/webhook/secret")
# Nothing to send to: not a failure. Said once per delivery with what would enable it (the
# dashboard shows these as a note, without Redeliver: it matches "no webhookUrl" and
# "no webhook URL configured").
NO_URL = ("not sent: the partner's profile has no webhookUrl (set it with PUT /api/profile, or "
          "Webhook URL in the dashboard's business profile)")
SETTING = {Destination.MICROSOFT: "MICROSOFT_NOTIFICATION_URL",
           Destination.CUSTOMER: "CUSTOMER_NOTIFICATION_URL"}


@dataclass(frozen=True)
class Target:
    url: str
    secret: str


def target_for(ctx: Context, recipient: Recipient) -> Target | str:
    """The target, or the reason there is none (recorded as undeliverable)."""
    dest = recipient.destination
    if dest is Destination.EMAIL:  # delivery.py sends these; never a webhook
        return "an e-mail recipient has no webhook"
    if dest in (Destination.MICROSOFT, Destination.CUSTOMER):
        url = ctx.settings.microsoft_notification_url if dest is Destination.MICROSOFT \
            else ctx.settings.customer_notification_url
        if url is None:
            return f"not sent: no webhook URL configured for {dest.value} (set {SETTING[dest]})"
        if not ctx.settings.signing_secret:
            return "NOTIFICATION_SIGNING_SECRET is not set"
        return Target(url, ctx.settings.signing_secret)
    return _partner_target(ctx, recipient.partner_id or "")


def _partner_target(ctx: Context, partner_id: str) -> Target | str:
    profile = ctx.profiles.get(partner_id)
    if profile is None or not profile.webhook_url:
        return NO_URL
    try:
        secret = partner_secret(ctx, partner_id)
    except SealBroken as exc:
        return f"the partner's webhook secret cannot be opened ({exc}); rotate it"
    if secret is None:
        return NO_SECRET
    return Target(str(profile.webhook_url), secret)
