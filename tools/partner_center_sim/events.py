"""Webhook registrations and the delivery of signed events.

Shapes from Microsoft's "Partner Center webhooks": one registration per account at
``/webhooks/v1/registration`` (``GET`` the registration, ``POST`` to register, ``PUT`` to
update, ``DELETE``), body ``{"WebhookUrl", "WebhookEvents"}``, the answer adding
``SubscriberId``; an event is POSTed with ``Authorization: Signature <base64>``,
``x-ms-certificate-url`` and ``x-ms-signature-algorithm: rsa-sha256``; Partner Center tries
10 times and then moves the event to an offline queue (here: dropped and logged). And from
"Partner Center webhook events": ``referral-created`` / ``referral-updated`` with
``ResourceUri`` ``{baseURL}/engagements/v1/referrals/{id}``, ``ResourceName`` ``referral``,
``AuditUri`` and ``ResourceChangeUtcDate``.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .certs import Credential

MAX_ATTEMPTS = 10
REFERRAL_EVENTS = ("referral-created", "referral-updated")
# A registration option of "Partner Center webhooks": the signature goes in x-ms-signature.
MS_SIGNATURE_FLAG = "signatureTokenToMsSignatureHeader"


@dataclass
class Delivery:
    tenant: str
    url: str
    body: bytes
    headers: dict[str, str]
    event: dict[str, Any]
    attempts: list[dict[str, Any]] = field(default_factory=list)
    state: str = "pending"  # pending, delivered, dropped


def thin_event(name: str, resource_base: str, referral_id: str, changed: str) -> dict[str, Any]:
    return {"EventName": name,
            "ResourceUri": f"{resource_base}/engagements/v1/referrals/{referral_id}",
            "ResourceName": "referral", "AuditUri": None, "ResourceChangeUtcDate": changed}


def signed_headers(body: bytes, signer: Credential, cert_url: str,
                   algorithm: str = "rsa-sha256", in_ms_signature: bool = False,
                   ) -> dict[str, str]:
    signature = signer.sign(body)
    headers = {"Content-Type": "application/json", "x-ms-certificate-url": cert_url,
               "x-ms-signature-algorithm": algorithm}
    if in_ms_signature:  # the docs' sample reads it as "Signature <base64>" too
        headers["x-ms-signature"] = f"Signature {signature}"
    else:
        headers["Authorization"] = f"Signature {signature}"
    return headers


class Webhooks:
    """Registrations per tenant and a dispatcher thread with Partner Center's retries."""

    def __init__(self, retry_delay: float = 0.5, timeout: float = 5.0) -> None:
        self.retry_delay, self.timeout = retry_delay, timeout
        self.registrations: dict[str, dict[str, Any]] = {}
        self.deliveries: list[Delivery] = []
        self._queue: list[tuple[float, int, Delivery]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="pc-sim-events", daemon=True)
        self._thread.start()

    def register(self, tenant: str, body: Any, *, update: bool) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("WebhookUrl"), str) \
                or not isinstance(body.get("WebhookEvents"), list):
            raise ValueError("WebhookUrl (string) and WebhookEvents (array) are required")
        with self._cv:
            old = self.registrations.get(tenant)
            subscriber = old["SubscriberId"] if old and update else str(uuid.uuid4())
            self.registrations[tenant] = {"SubscriberId": subscriber,
                                          "WebhookUrl": body["WebhookUrl"],
                                          "WebhookEvents": list(body["WebhookEvents"])}
            if body.get(MS_SIGNATURE_FLAG) is True:
                self.registrations[tenant][MS_SIGNATURE_FLAG] = True
            return dict(self.registrations[tenant])

    def registration(self, tenant: str) -> dict[str, Any] | None:
        with self._cv:
            found = self.registrations.get(tenant)
            return dict(found) if found else None

    def unregister(self, tenant: str) -> bool:
        with self._cv:
            return self.registrations.pop(tenant, None) is not None

    def emit(self, tenant: str, event: dict[str, Any],
             sign: Callable[[bytes, bool], dict[str, str]]) -> Delivery | None:
        """Queue ``event`` for the tenant's registered URL when it subscribes to it."""
        reg = self.registration(tenant)
        if reg is None or event["EventName"] not in reg["WebhookEvents"]:
            return None
        body = json.dumps(event).encode()
        headers = sign(body, bool(reg.get(MS_SIGNATURE_FLAG)))
        delivery = Delivery(tenant, reg["WebhookUrl"], body, headers, event)
        self.enqueue(delivery)
        return delivery

    def enqueue(self, delivery: Delivery) -> None:
        with self._cv:
            self.deliveries.append(delivery)
            heapq.heappush(self._queue, (time.monotonic(), next(self._seq), delivery))
            self._cv.notify()

    def _run(self) -> None:
        while True:
            with self._cv:
                while not self._stopped and (
                        not self._queue or self._queue[0][0] > time.monotonic()):
                    wait = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._cv.wait(timeout=wait)
                if self._stopped:
                    return
                _, _, delivery = heapq.heappop(self._queue)
            self._attempt(delivery)

    def _attempt(self, delivery: Delivery) -> None:
        request = urllib.request.Request(delivery.url, data=delivery.body, method="POST",
                                         headers=delivery.headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status: int | str = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            status = type(exc).__name__
        with self._cv:
            delivery.attempts.append({"status": status, "at": time.time()})
            if isinstance(status, int) and 200 <= status < 300:
                delivery.state = "delivered"
            elif len(delivery.attempts) >= MAX_ATTEMPTS:
                delivery.state = "dropped"
            else:
                due = time.monotonic() + self.retry_delay
                heapq.heappush(self._queue, (due, next(self._seq), delivery))
                self._cv.notify()

    def log(self, tenant: str | None = None) -> list[dict[str, Any]]:
        with self._cv:
            return [{"tenant": d.tenant, "url": d.url, "event": d.event, "state": d.state,
                     "attempts": list(d.attempts)}
                    for d in self.deliveries if tenant in (None, d.tenant)]

    def reset(self) -> None:
        with self._cv:
            self.registrations.clear()
            self.deliveries.clear()
            self._queue.clear()

    def stop(self) -> None:
        with self._cv:
            self._stopped = True
            self._cv.notify()
        self._thread.join(timeout=5)
