"""What every use case needs: the ports, the settings, and a clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.domain.events import Event
from shared.marketplace.ports import EndpointStore
from shared.settings import Settings
from shared.storage.ports import (
    MAX_DELIVERY_BATCH,
    NotificationQueue,
    Outbox,
    ProfileRepository,
    ReferralRepository,
)
from shared.storage.ports.claims import ClaimStore
from shared.storage.ports.ids import delivery_ids
from shared.storage.ports.privacy import PrivacyPorts
from shared.storage.ports.refits import RefitMarks
from shared.storage.ports.secrets import SecretStore
from shared.storage.ports.sweeps import SweepPorts
from shared.telemetry.metrics import record_events

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    referrals: ReferralRepository
    profiles: ProfileRepository
    outbox: Outbox
    queue: NotificationQueue
    sweeps: SweepPorts
    settings: Settings
    secrets: SecretStore
    claims: ClaimStore  # intake retries (Repeatability-Request-ID)
    marketplace: EndpointStore  # partners' marketplace lead URLs (shared/marketplace)
    refits: RefitMarks  # profile changes whose re-scoring is not yet enqueued (refit.py)
    clock: Callable[[], datetime] = field(default=utcnow)
    privacy: PrivacyPorts | None = None  # customer data (shared/privacy); None in tools

    def dispatch(self, events: Sequence[Event]) -> None:
        """Hand committed events' deliveries to the queue, a partner's together in one
        message (up to MAX_DELIVERY_BATCH): the worker delivers each, retrying each alone.
        Every committed change passes here, so this is where the referral counters count."""
        record_events(e.type.value for e in events)
        by_partner: dict[str, list[str]] = {}
        for event in events:
            by_partner.setdefault(event.partner_id, []).extend(delivery_ids(event))
        for partner_id, ids in by_partner.items():
            for start in range(0, len(ids), MAX_DELIVERY_BATCH):
                self._send_batch(partner_id, ids[start:start + MAX_DELIVERY_BATCH])

    def _send_batch(self, partner_id: str, ids: list[str]) -> None:
        try:
            self.queue.send_batch(partner_id, ids)
        except Exception:  # any enqueue failure is recoverable by the sweep
            log.warning("enqueue of deliveries %s failed; the sweep will retry", ids,
                        exc_info=True)

    def queue_delivery(self, partner_id: str, delivery_id: str) -> None:
        """A failure here loses nothing: the delivery row stays pending and the redispatch
        sweep re-enqueues it."""
        try:
            self.queue.send(partner_id, delivery_id)
        except Exception:  # any enqueue failure is recoverable by the sweep
            log.warning("enqueue of delivery %s failed; the sweep will retry", delivery_id,
                        exc_info=True)
