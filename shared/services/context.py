"""What every use case needs: the ports, the settings, and a clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.domain.events import Event
from shared.settings import Settings
from shared.storage.ports import NotificationQueue, Outbox, ProfileRepository, ReferralRepository
from shared.storage.sweep_ports import SweepPorts

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
    clock: Callable[[], datetime] = field(default=utcnow)

    def dispatch(self, events: Sequence[Event]) -> None:
        """Hand committed events to the queue. A failure here loses nothing: the outbox row
        stays pending and the sweep re-enqueues it."""
        for event in events:
            try:
                self.queue.send(event.partner_id, event.id)
            except Exception:  # any enqueue failure is recoverable by the sweep
                log.warning("enqueue of event %s failed; the sweep will retry", event.id,
                            exc_info=True)
