"""Per-action overhead: the service layer against the raw storage calls each action needs.

For accept, decline, get and one list page this times, interleaved round by round:

* ``raw``: the minimal azure-data-tables / azure-storage-queue calls the action fundamentally
  needs, on plain dict entities (accept = point read + conditional replace; decline = point
  read + OutboxIndex upsert + transaction(conditional replace + outbox row) + enqueue;
  get = point read; list page = one query page);
* ``service``: ``shared.services.referrals`` in-process on the Table/Queue-backed Context
  that ``shared.bootstrap.build_context`` builds (same calls, plus the domain model, the
  mapping and the checks);
* ``http``: the same action as a client sends it to devhost (``python -m devhost``), which
  adds HTTP, auth, body validation and the JSON view.

Reported: p50/p95 of each, service/raw (target <= 1.15 at p50) and http/service.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import sys
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from azure.core import MatchConditions
from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from shared.domain.enums import EventType
from shared.domain.events import make_event
from shared.notifications.queue import NOTIFICATIONS_QUEUE
from shared.services import referrals as svc
from shared.storage.layout.keys import OUTBOX_INDEX_TABLE, REFERRALS_TABLE, hour_bucket, index_row
from shared.storage.ports import ListQuery
from tests.support.factories import ADMIN, accept_body, headers

from . import data
from .common import (
    Report,
    azurite,
    devhost,
    parse_args,
    ratio,
    summarize,
    table_context,
    timed,
)

SIZES = {"small": {"rounds": 8, "warmup": 2}, "full": {"rounds": 300, "warmup": 20}}
ACTIONS = ("accept", "decline", "get", "list_page")
VARIANTS = ("raw", "service", "http")
CALLS = {"accept": 2, "decline": 4, "get": 1, "list_page": 1}
PAGE = 50
TARGET = 1.15
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


def _measure(
    runners: dict[str, dict[str, Callable[[int], Any]]], variants: Sequence[str], rounds: int,
    warmup: int, rng: random.Random, profilers: dict[str, Any],
) -> dict[tuple[str, str], list[float]]:
    """Every round runs each action once per variant, variants in a fresh random order (so
    no variant always follows the same one); the first ``warmup`` rounds are not kept."""
    samples: dict[tuple[str, str], list[float]] = {(a, v): [] for a in ACTIONS for v in variants}
    for i in range(rounds + warmup):
        keep = i >= warmup
        for action in ACTIONS:
            order = list(variants)
            rng.shuffle(order)
            for variant in order:
                fn = runners[variant][action]
                prof = profilers.get(action) if variant == "service" and keep else None
                if prof is not None:
                    prof.start()
                elapsed = timed(functools.partial(fn, i))
                if prof is not None:
                    prof.stop()
                if keep:
                    samples[action, variant].append(elapsed)
    return samples


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", action="store_true",
                        help="profile the service variant with pyinstrument (printed to stderr;"
                             " the service figures then include the profiler's overhead)")


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("actions", __doc__.splitlines()[0], argv, _extra)
    size = SIZES[args.size]
    rounds, warmup = size["rounds"], size["warmup"]
    report = Report("actions", args.size, params={
        "rounds": rounds, "warmup_rounds": warmup, "page_size": PAGE,
        "variants": list(VARIANTS), "target_service_over_raw_p50": TARGET,
        "profiled": args.profile,
    })
    with azurite() as az:
        ctx = table_context(az.connection_string)
        partner = data.new_partner()
        ctx.profiles.put(partner, data.profile())
        # Fresh received referrals: one per accept/decline sample, plus a set to read.
        per_action = rounds + warmup
        share = {"raw": 1, "service": 2, "http": 1}
        need = 2 * per_action * sum(share.values())
        now = datetime.now(UTC)
        fresh = [data.referral(partner, now - timedelta(seconds=i)) for i in range(need + 100)]
        data.write(az.connection_string, REFERRALS_TABLE, data.referral_entities(fresh))
        ids = iter(r.id for r in fresh)
        pools = {(a, v): [next(ids) for _ in range(per_action * share[v])]
                 for a in ("accept", "decline") for v in share}
        readable = list(ids)
        rng = random.Random(6)

        accept_cmd, decline_cmd = data.accept_request(), data.decline_request()
        raw = Raw(az.connection_string, partner)
        profilers: dict[str, Any] = {}
        if args.profile:
            from pyinstrument import Profiler

            profilers = {a: Profiler(interval=0.0005) for a in ACTIONS}

        runners: dict[str, dict[str, Callable[[int], Any]]] = {
            "raw": {
                "accept": lambda i: raw.accept(pools["accept", "raw"][i]),
                "decline": lambda i: raw.decline(pools["decline", "raw"][i]),
                "get": lambda i: raw.get(readable[i % len(readable)]),
                "list_page": lambda i: raw.list_page(),
            },
            "service": {
                "accept": lambda i: svc.perform(ctx, partner, next(service_ids["accept"]),
                                               accept_cmd, None),
                "decline": lambda i: svc.perform(ctx, partner, next(service_ids["decline"]),
                                                 decline_cmd, None),
                "get": lambda i: svc.get(ctx, partner, readable[i % len(readable)]),
                "list_page": lambda i: svc.list_page(ctx, partner, ListQuery(), PAGE, None),
            },
        }
        service_ids = {a: iter(pools[a, "service"]) for a in ("accept", "decline")}
        # Phase 1, in-process: raw and service, in a fresh random order every round.
        in_process = _measure(runners, ("raw", "service"), rounds, warmup, rng, profilers)
        # Phase 2, over HTTP: http and (again) service, with devhost running.
        with devhost(az.connection_string) as host:
            http = Http(host.base, partner)
            runners["http"] = {
                "accept": lambda i: http.accept(pools["accept", "http"][i]),
                "decline": lambda i: http.decline(pools["decline", "http"][i]),
                "get": lambda i: http.get(readable[i % len(readable)]),
                "list_page": lambda i: http.list_page(),
            }
            over_http = _measure(runners, ("service", "http"), rounds, warmup, rng, {})

    for action in ACTIONS:
        raw_s, svc_s = in_process[action, "raw"], in_process[action, "service"]
        svc2_s, http_s = over_http[action, "service"], over_http[action, "http"]
        rows = [("raw", 1, raw_s, None, None), ("service", 1, svc_s, "raw", raw_s),
                ("service", 2, svc2_s, None, None), ("http", 2, http_s, "service", svc2_s)]
        for variant, phase, samples_, base, base_samples in rows:
            st = summarize(samples_)
            bst = summarize(base_samples) if base_samples else None
            report.add(
                action=action, phase=phase, variant=variant, calls=CALLS[action], **st,
                baseline=base or "-",
                ratio_p50=ratio(st["p50_ms"], bst["p50_ms"]) if bst else None,
                ratio_p95=ratio(st["p95_ms"], bst["p95_ms"]) if bst else None,
            )
        report.target(f"{action}: service/raw p50",
                      ratio(summarize(svc_s)["p50_ms"], summarize(raw_s)["p50_ms"]), TARGET)
    report.notes.append(
        "phase 1 (raw vs service) runs before devhost starts; phase 2 (service vs http) runs "
        "with devhost up, whose queue worker also delivers the notifications the declines "
        "enqueue; each ratio is against the baseline of its own phase."
    )
    doc = report.emit(["action", "phase", "variant", "calls", "n", "p50_ms", "p95_ms", "baseline",
                       "ratio_p50", "ratio_p95"], args.json)
    for action, prof in profilers.items():
        print(f"\n--- pyinstrument: service {action} ---", file=sys.stderr)
        print(prof.output_text(unicode=False, color=False), file=sys.stderr)
    return doc


if __name__ == "__main__":
    run()
