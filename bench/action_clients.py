"""The two baselines the actions bench compares the service layer with: ``Raw``, the same
storage work written directly against the SDK (no domain, no mapping), and ``Http``, the
app's own routes called over HTTP on devhost."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import requests
from azure.core import MatchConditions
from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from shared.domain.enums import EventType
from shared.domain.events import make_event
from shared.notifications.queue import NOTIFICATIONS_QUEUE
from shared.storage.layout.keys import OUTBOX_INDEX_TABLE, REFERRALS_TABLE, hour_bucket, index_row
from tests.support.factories import ADMIN, accept_body, headers

from . import data

PAGE = 50  # referrals a list_page reads, in every variant
_LIST_FILTER = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"


class Raw:
    """The storage calls each action cannot do without, straight on the SDK clients."""

    def __init__(self, connection_string: str, partner: str) -> None:
        service = TableServiceClient.from_connection_string(connection_string)
        self.table = service.get_table_client(REFERRALS_TABLE)
        self.outbox_index = service.get_table_client(OUTBOX_INDEX_TABLE)
        self.queue = QueueClient.from_connection_string(
            connection_string, NOTIFICATIONS_QUEUE, message_encode_policy=TextBase64EncodePolicy()
        )
        self.partner = partner
        accept = accept_body()
        self.team_json = json.dumps(accept.pop("team"), separators=(",", ":"))
        self.accept_fields = accept
        # A real declined event, rendered once; each decline only swaps the ids in.
        sample = data.referral(partner, datetime.now(UTC))
        event = make_event(EventType.DECLINED, sample, datetime.now(UTC))
        self.event_template = (event.model_dump_json(), event.id, sample.id)

    def get(self, rid: str) -> Any:
        return self.table.get_entity(self.partner, rid)

    def accept(self, rid: str) -> None:
        e = self.table.get_entity(self.partner, rid)
        now = datetime.now(UTC)
        a = self.accept_fields
        details = json.loads(e["detailsJson"])
        details.update(dealValue=str(a["dealValue"]), currency=a["currency"],
                       closingDate=a["closingDate"], notes=a["notes"])
        e.pop("expirationDateTime", None)
        e.update(status="Active", substatus="Accepted", stage="accepted", name=a["name"],
                 externalReferenceId=a["externalReferenceId"], campaignId=a["campaignId"],
                 detailsJson=json.dumps(details, separators=(",", ":")),
                 teamJson=self.team_json, acceptedDateTime=now, updatedDateTime=now)
        self.table.update_entity(e, mode=UpdateMode.REPLACE, etag=e.metadata["etag"],
                                 match_condition=MatchConditions.IfNotModified)

    def decline(self, rid: str) -> None:
        e = self.table.get_entity(self.partner, rid)
        now = datetime.now(UTC)
        event_id = str(uuid.uuid4())
        self.outbox_index.upsert_entity({"PartitionKey": hour_bucket(now),
                                         "RowKey": index_row(self.partner, event_id),
                                         "occurredDateTime": now})
        e.pop("expirationDateTime", None)
        e.update(status="Closed", substatus="Declined", stage="archived",
                 statusReason=data.DECLINE_BODY["reason"],
                 closingNotes=data.DECLINE_BODY["notes"], closedDateTime=now,
                 updatedDateTime=now)
        text, sample_event, sample_rid = self.event_template
        outbox = {
            "PartitionKey": self.partner, "RowKey": "o" + event_id,
            "eventJson": text.replace(sample_event, event_id).replace(sample_rid, rid),
            "eventType": EventType.DECLINED.value, "referralId": rid,
            "deliveryState": "pending", "attempts": 0, "occurredDateTime": now,
        }
        self.table.submit_transaction([
            ("update", e, {"mode": UpdateMode.REPLACE, "etag": e.metadata["etag"],
                           "match_condition": MatchConditions.IfNotModified}),
            ("create", outbox),
        ])
        self.queue.send_message(json.dumps({"partnerId": self.partner, "eventId": event_id},
                                           separators=(",", ":")))

    def list_page(self) -> list[Any]:
        pages = self.table.query_entities(
            _LIST_FILTER, parameters={"pk": self.partner, "low": "r", "high": "s"},
            results_per_page=PAGE,
        ).by_page()
        return list(next(pages))


class Http:
    def __init__(self, base: str, partner: str) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update(headers(partner, ADMIN))
        self.accept_body = accept_body()

    def _ok(self, resp: requests.Response) -> None:
        if resp.status_code != 200:
            raise RuntimeError(f"{resp.request.method} {resp.url}: {resp.status_code} "
                               f"{resp.text[:500]}")

    def accept(self, rid: str) -> None:
        self._ok(self.session.post(f"{self.base}/referrals/{rid}/accept",
                                   json=self.accept_body, timeout=30))

    def decline(self, rid: str) -> None:
        self._ok(self.session.post(f"{self.base}/referrals/{rid}/decline",
                                   json=data.DECLINE_BODY, timeout=30))

    def get(self, rid: str) -> None:
        self._ok(self.session.get(f"{self.base}/referrals/{rid}", timeout=30))

    def list_page(self) -> None:
        self._ok(self.session.get(f"{self.base}/referrals", params={"top": PAGE}, timeout=30))
