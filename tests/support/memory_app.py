"""Services over the in-memory store with a settable clock (unit tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.bootstrap import Runtime, build_runtime
from shared.services.context import Context
from shared.settings import AuthMode, Settings, StorageSettings
from tests.fakes.claims import MemoryClaims
from tests.fakes.marketplace import MemoryEndpoints
from tests.fakes.memory import MemoryOutbox, MemoryProfiles, MemoryStore
from tests.fakes.privacy import memory_privacy
from tests.fakes.refit_marks import MemoryRefitMarks
from tests.fakes.secrets import MemorySecrets
from tests.fakes.sweeps import MemoryBatchQueue, memory_sweep_ports

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class MemoryApp:
    store: MemoryStore = field(default_factory=MemoryStore)
    clock: Clock = field(default_factory=Clock)
    batches: MemoryBatchQueue = field(default_factory=MemoryBatchQueue)
    secrets: MemorySecrets = field(default_factory=MemorySecrets)
    claims: MemoryClaims = field(default_factory=MemoryClaims)
    marketplace: MemoryEndpoints = field(default_factory=MemoryEndpoints)
    refits: MemoryRefitMarks = field(default_factory=MemoryRefitMarks)
    settings: Settings = field(default_factory=lambda: Settings(
        storage=StorageSettings(connection_string="unused"), auth_mode=AuthMode.LOCAL))

    @property
    def ctx(self) -> Context:
        return Context(
            referrals=self.store, profiles=MemoryProfiles(self.store),
            outbox=MemoryOutbox(self.store), queue=self.store,
            sweeps=memory_sweep_ports(self.store, self.batches),
            settings=self.settings, secrets=self.secrets, claims=self.claims,
            marketplace=self.marketplace, refits=self.refits,
            clock=self.clock, privacy=memory_privacy(self.store),
        )

    def runtime(self) -> Runtime:
        """A runtime over this app's in-memory context, for calling the HTTP edge directly."""
        return build_runtime(self.ctx)
