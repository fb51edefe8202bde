"""The app's own secrets beyond the webhook ones: the key that signs continuation tokens, and
the rule that the development values of local.settings.sample.json (public, in the
repository) are refused when running in Azure. Part of the one settings object (settings.py
reads the environment and calls these); kept apart so that file stays readable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping

# The development values local.settings.sample.json ships (a test keeps the two equal).
DEVELOPMENT_SECRETS = {
    "NOTIFICATION_SIGNING_SECRET": "whsec_bG9jYWwtZGV2LXNpZ25pbmctc2VjcmV0LTI0Yg==",
    "WEBHOOK_SECRETS_KEY": "bG9jYWwtZGV2LXdlYmhvb2stc2VjcmV0cy1rZXktMzI=",
    "CONTINUATION_TOKEN_KEY": "bG9jYWwtZGV2LWNvbnRpbnVhdGlvbi10b2tlbi1rZXk=",
}
# What a local run signs continuation tokens with when no key is set (never in Azure).
DEVELOPMENT_CONTINUATION_KEY = b"local-dev-continuation-token-key"
MIN_KEY_BYTES = 32
# Domain separation: the token key derived from WEBHOOK_SECRETS_KEY says nothing about it.
_DERIVATION = b"referrals continuation tokens v1"

Opt = Callable[[str], str | None]


def parse_secrets(opt: Opt, error: type[ValueError]) -> bytes:
    """The continuation-token key, after refusing public development secrets in Azure;
    a bad value raises ``error`` (settings.py passes its SettingsError) naming the setting."""
    in_azure = bool(opt("WEBSITE_INSTANCE_ID"))
    try:
        refuse_development_secrets({
            "NOTIFICATION_SIGNING_SECRET": opt("NOTIFICATION_SIGNING_SECRET"),
            "WEBHOOK_SECRETS_KEY": opt("WEBHOOK_SECRETS_KEY"),
            "CONTINUATION_TOKEN_KEY": opt("CONTINUATION_TOKEN_KEY")}, in_azure)
        webhook_key = _base64(opt("WEBHOOK_SECRETS_KEY") or "") or None
        return continuation_key(opt("CONTINUATION_TOKEN_KEY"), webhook_key, in_azure)
    except SecretSettingsError as exc:
        raise error(str(exc)) from None


class SecretSettingsError(ValueError):
    """A secret setting is malformed, missing in Azure, or a public development value."""


def refuse_development_secrets(values: Mapping[str, str | None], running_in_azure: bool
                               ) -> None:
    """In Azure, a secret equal to its sample value (however it is spelt) stops the app."""
    if not running_in_azure:
        return
    for name, value in values.items():
        if value and _secret_bytes(value) == _secret_bytes(DEVELOPMENT_SECRETS[name]):
            raise SecretSettingsError(
                f"{name} is the development value from local.settings.sample.json, which "
                "anyone can read; set a secret of your own (refused when running in Azure)")


def continuation_key(raw: str | None, webhook_secrets_key: bytes | None,
                     running_in_azure: bool) -> bytes:
    """CONTINUATION_TOKEN_KEY (base64 of at least 32 bytes); unset: derived from
    WEBHOOK_SECRETS_KEY, else the development key locally. In Azure one of them is needed:
    every instance must sign with the same key, and it must not be public."""
    if raw is not None:
        key = _base64(raw)
        if key is None or len(key) < MIN_KEY_BYTES:
            raise SecretSettingsError(
                f"CONTINUATION_TOKEN_KEY must be the base64 of at least {MIN_KEY_BYTES} "
                "random bytes")
        return key
    if webhook_secrets_key is not None:
        return hmac.new(webhook_secrets_key, _DERIVATION, hashlib.sha256).digest()
    if running_in_azure:
        raise SecretSettingsError(
            "CONTINUATION_TOKEN_KEY is required when running in Azure (or WEBHOOK_SECRETS_KEY, "
            "from which it is then derived)")
    return DEVELOPMENT_CONTINUATION_KEY


def _secret_bytes(value: str) -> bytes:
    text = value.strip().removeprefix("whsec_")
    return _base64(text) or text.encode()


def _base64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
