"""The simulation's state and the things that happen "in Partner Center": leads arriving,
a partner's people or Partner Center itself changing them, events going out."""

from __future__ import annotations

import copy
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .certs import EVENT_CERT_NAME, Credential, issue_leaf, make_ca, with_other_key, write_pem
from .events import Delivery, Webhooks, signed_headers, thin_event
from .faults import Traffic
from .identity import Identity
from .json_patch import apply_patch, check_status
from .store import ReferralStore
from .timefmt import fmt_event, parse

DEFAULT_TENANT = "11111111-2222-3333-4444-555555555555"
DEFAULT_CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"
DEFAULT_CLIENT_SECRET = "sim-client-secret"
SEED_MIX = {"lead": 0.8, "cosell": 0.1, "partner": 0.05, "outgoing": 0.05}
# Forged variants a receiver must refuse (see Simulator.forge).
FORGERIES = ("wrong-key", "self-signed", "wrong-organization", "expired",
             "disallowed-url", "other-algorithm", "missing-signature", "missing-cert-url")


@dataclass
class Config:
    url: str
    state_dir: Path
    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    retry_delay: float = 0.5
    paging: str = "skiptoken"
    echo_api_updates: bool = False
    user: dict[str, str] = field(default_factory=lambda: {
        "oid": "7a6b5c4d-0000-4000-8000-00000000ad01", "name": "Sim Admin",
        "upn": "admin@partner.example"})


class Simulator:
    def __init__(self, config: Config, ca: Credential | None = None) -> None:
        self.config = config
        self.store = ReferralStore(config.url)
        self.identity = Identity(config.client_id, config.client_secret)
        self.webhooks = Webhooks(retry_delay=config.retry_delay)
        self.traffic = Traffic()
        self.ca = ca or make_ca()
        self.ca_pem_path = write_pem(config.state_dir / "partner-center-sim-ca.pem", self.ca)
        self.signer = issue_leaf(self.ca)
        self.certs: dict[str, bytes] = {f"{EVENT_CERT_NAME}.cer": self.signer.der()}
        self._rng = random.Random()
        self._rng_lock = threading.Lock()

    @property
    def cert_url_prefix(self) -> str:
        return f"{self.config.url}/cert/"

    @property
    def cert_url(self) -> str:
        return f"{self.cert_url_prefix}{EVENT_CERT_NAME}.cer"

    def rng(self) -> random.Random:
        with self._rng_lock:
            return random.Random(self._rng.getrandbits(64))

    def seed(self, tenant: str, count: int, seed: int,
             mix: dict[str, float] | None = None, days: float = 12.0) -> list[str]:
        """History that already happened (no events): ``count`` referrals created over the
        past ``days`` (default 12: within Partner Center's 14-day window), mostly leads."""
        return self.store.seed(tenant, count, seed, mix or SEED_MIX, days)

    def create(self, tenant: str, kind: str = "lead", overrides: dict[str, Any] | None = None,
               emit: bool = True) -> dict[str, Any]:
        """A referral arriving now in Partner Center; announced by referral-created."""
        referral = self.store.create(tenant, kind, self.rng(), overrides)
        if emit:
            self.emit(tenant, "referral-created", referral)
        return referral

    def change(self, tenant: str, referral_id: str, change: Any, emit: bool = True,
               ) -> dict[str, Any] | None:
        """A change made in Partner Center: a JSON Patch array, or an object whose members
        replace the referral's (nested objects merged one level), e.g. ``{"status":
        "Closed", "substatus": "Declined"}``. Announced by referral-updated."""
        with self.store.lock:
            current = self.store.get(tenant, referral_id)
            if current is None:
                return None
            if isinstance(change, list):
                updated = apply_patch(current, change)
            else:
                updated = _merge(current, change)
                check_status(current, updated)
            referral = self.store.stamp(tenant, updated)
        if emit:
            self.emit(tenant, "referral-updated", referral)
        return referral

    def emit(self, tenant: str, name: str, referral: dict[str, Any],
             forgery: str | None = None) -> Delivery | None:
        event = thin_event(name, self.config.url, referral["id"],
                           fmt_event(parse(referral["updatedDateTime"])))
        return self.webhooks.emit(
            tenant, event, lambda body, in_ms: self.sign(body, forgery, in_ms_signature=in_ms))

    def sign(self, body: bytes, forgery: str | None = None, in_ms_signature: bool = False,
             ) -> dict[str, str]:
        """The event headers, genuine or forged as ``forgery`` (one of FORGERIES)."""
        if forgery is None:
            return signed_headers(body, self.signer, self.cert_url,
                                  in_ms_signature=in_ms_signature)
        if forgery not in FORGERIES:
            raise ValueError(f"unknown forgery {forgery!r}: one of {', '.join(FORGERIES)}")
        signer, url, algorithm = self.signer, self.cert_url, "rsa-sha256"
        if forgery in ("wrong-key", "self-signed", "wrong-organization", "expired"):
            signer = {"wrong-key": lambda: with_other_key(self.signer),
                      "self-signed": lambda: issue_leaf(None),
                      "wrong-organization": lambda: issue_leaf(self.ca, organization="Contoso"),
                      "expired": lambda: issue_leaf(self.ca, expired=True)}[forgery]()
            name = f"forged-{forgery}.cer"
            self.certs[name] = signer.der()
            url = self.cert_url_prefix + name
        elif forgery == "disallowed-url":
            url = self.cert_url.replace("/cert/", "/elsewhere/cert/")
        elif forgery == "other-algorithm":
            algorithm = "rsa-sha1"
        headers = signed_headers(body, signer, url, algorithm, in_ms_signature)
        if forgery == "missing-signature":
            headers.pop("x-ms-signature" if in_ms_signature else "Authorization")
        if forgery == "missing-cert-url":
            headers.pop("x-ms-certificate-url")
        return headers

    def reset(self) -> None:
        """Forget referrals, tokens, registrations, deliveries, faults and counters (the CA
        and the signing certificate stay, so receivers keep trusting them), and restore the
        default settings changed through ``/_sim/config``."""
        self.config.paging, self.config.echo_api_updates = "skiptoken", False
        self.webhooks.retry_delay = self.config.retry_delay
        self.identity.access_lifetime, self.identity.reject_reused_refresh_tokens = 3600, False
        self.store.reset()
        self.identity.reset()
        self.webhooks.reset()
        self.traffic.reset()

    def stop(self) -> None:
        self.webhooks.stop()


def _merge(current: dict[str, Any], change: Any) -> dict[str, Any]:
    if not isinstance(change, dict):
        raise ValueError("a change is a JSON Patch array or an object")
    merged = copy.deepcopy(current)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **copy.deepcopy(value)}
        else:
            merged[key] = copy.deepcopy(value)
    return merged
