"""A local webhook inbox, as MailDev is for e-mail: it receives the app's webhooks on
127.0.0.1, keeps the newest in memory and shows each with its headers and whether its
Standard Webhooks signature verifies (``python -m tools.webhook_inbox``; scripts/run starts
it on port 1081)."""

from .server import InboxHandle, start_inbox

__all__ = ["InboxHandle", "start_inbox"]
