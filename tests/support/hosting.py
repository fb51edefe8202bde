"""How the test suites run the app: one environment for every devhost they start."""

from __future__ import annotations

import base64

from .azurite import Azurite
from .mailbox import session_mailbox
from .partner_center import settings as partner_center_settings
from .webhooks import WebhookReceiver

# Standard Webhooks secrets (whsec_ + base64 of >= 24 bytes) and the key sealing partners' ones.
SECRET = "whsec_" + base64.b64encode(b"e2e-signing-secret-of-24-bytes").decode()
SECRETS_KEY = base64.b64encode(b"e2e-webhook-secrets-key-32-bytes").decode()
DASHBOARD_URL = "https://referrals.example/api/ui"  # e-mails link here


def host_env(azurite: Azurite, webhooks: WebhookReceiver, **extra: str) -> dict[str, str]:
    """Every devhost of a session consumes the same `notifications` queue, so they must all
    deliver to the same receiver with the same secret, and e-mail the session's one SMTP
    server (session_mailbox): only ``extra`` may differ."""
    return {
        **session_mailbox().env(),
        **partner_center_settings(),
        "DASHBOARD_URL": DASHBOARD_URL,
        "AzureWebJobsStorage": azurite.connection_string,
        "AUTH_MODE": "local",
        "MICROSOFT_NOTIFICATION_URL": webhooks.url("/msft"),
        "CUSTOMER_NOTIFICATION_URL": webhooks.url("/customer"),
        "NOTIFICATION_SIGNING_SECRET": SECRET,
        "WEBHOOK_SECRETS_KEY": SECRETS_KEY,
        "EXPIRY_SCHEDULE": "0 0 2 * * *",
        # Daily, not hourly: tests invoke the timers themselves, and a scheduled run in the
        # middle of a test would send reminders it does not expect.
        "REMINDER_SCHEDULE": "0 30 2 * * *",
        "PARTNER_CENTER_SYNC_SCHEDULE": "0 45 2 * * *",  # likewise: tests sync on demand
        # Fast queue polling and retries so webhook tests take seconds, not minutes.
        "DEVHOST_MAX_POLLING_INTERVAL": "0.2",
        "DEVHOST_QUEUE_VISIBILITY_TIMEOUT": "0",
        # The delivery back-off's base (a minute in production): retries within a second.
        "NOTIFICATION_RETRY_DELAY": "PT0.1S",
        "WEBSITE_INSTANCE_ID": "",
        **extra,
    }
