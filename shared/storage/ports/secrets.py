"""Where a partner's sealed webhook signing secret is kept (tables/secrets.py stores it in
the Profiles table)."""

from __future__ import annotations

from typing import Protocol


class SecretStore(Protocol):
    def get(self, partner_id: str) -> str | None:
        """The sealed secret, or None when the partner has none."""

    def put(self, partner_id: str, sealed: str) -> None: ...
