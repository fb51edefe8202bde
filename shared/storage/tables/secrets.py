"""Where a partner's webhook signing secret is kept: sealed (encrypted by the services with
WEBHOOK_SECRETS_KEY) in the ``Profiles`` table, next to the profile but in its own row, so
replacing the profile (PUT /api/profile) never touches it."""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

SECRET_ROW = "webhook-secret"


class TableSecrets:
    def __init__(self, profiles: TableClient) -> None:
        self._t = profiles

    def get(self, partner_id: str) -> str | None:
        try:
            return str(self._t.get_entity(partner_id, SECRET_ROW)["sealed"])
        except ResourceNotFoundError:
            return None

    def put(self, partner_id: str, sealed: str) -> None:
        self._t.upsert_entity({"PartitionKey": partner_id, "RowKey": SECRET_ROW,
                               "sealed": sealed}, mode=UpdateMode.REPLACE)
