"""The measurements of bench.partner_center, each through the product's own path: intake
(the baseline), a first import by Sync now and its repetition, an insights read, events made
"in Partner Center" until the list shows them, and write-backs of answers given here."""

from __future__ import annotations

import math
import sys
import time
from functools import partial
from typing import Any

from tests.support.client import Api, onboard
from tests.support.factories import INTAKE, accept_body, intake_body, new_tenant

from .common import summarize
from .partner_center_rig import Rig, connect, sim_requests, sync_now, wait_for

PC_TABLE = "PartnerCenter"
# Storage must be quiet this long before a count starts or ends: a burst of changes asks for
# its summary fold to run 5 s later (shared/storage/ports/folds.py, FOLD_DELAY), so a
# shorter pause would hand the import's fold to whatever is counted next.
SETTLE_S = 6.5


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def storage_figures(diff: dict[str, int], per: int) -> dict[str, Any]:
    """Storage requests per item (idle queue polling left out), by kind."""
    reads, writes = diff.get("table.read", 0), diff.get("table.write", 0)
    queue = diff.get("queue.read", 0) + diff.get("queue.write", 0)
    total = reads + writes + queue + diff.get("blob.read", 0) + diff.get("blob.write", 0)
    return {"storage": total, "storage_per_item": round(total / per, 3),
            "table_reads_per_item": round(reads / per, 3),
            "table_writes_per_item": round(writes / per, 3),
            "queue_per_item": round(queue / per, 3),
            "entities_per_item": round(diff.get("entities", 0) / per, 3),
            "by_table": {k: v for k, v in sorted(diff.items()) if ":" in k}}


def intake(r: Rig, n: int) -> dict[str, Any]:
    """``POST /api/referrals`` n times, one client; everything it causes, deliveries included,
    until storage goes quiet."""
    log(f"intake x{n}")
    tenant = new_tenant()
    onboard(r.host.base, tenant)
    intake_api = Api(r.host.base, "microsoft-systems", INTAKE)
    r.counts.wait_quiet(SETTLE_S)
    before = r.counts.snapshot()
    start = time.perf_counter()
    for _ in range(n):
        resp = intake_api.post("/referrals", intake_body(tenant))
        assert resp.status_code == 201, resp.text
    wall = time.perf_counter() - start
    r.counts.wait_quiet(SETTLE_S)
    return {"phase": "intake (baseline)", "n": n, "wall_s": round(wall, 2),
            "s_per_1000": round(wall / n * 1000, 1), **storage_figures(r.counts.since(before), n)}


def first_import(r: Rig, n: int, seed: int) -> tuple[dict[str, Any], Api]:
    """A connected partner (its first sync found nothing) gets n leads in Partner Center;
    Sync now imports them: the first sync that finds anything is the first import."""
    tenant = new_tenant()
    api = connect(r, tenant)
    ids = r.sim.simulator.seed(tenant, n, seed, {"lead": 1.0})
    new = sum((r.sim.referral(tenant, i) or {}).get("status") == "New" for i in ids)
    log(f"first import of {n}")
    r.counts.wait_quiet(SETTLE_S)
    before, pc_before = r.counts.snapshot(), sim_requests(r, tenant)
    start = time.perf_counter()
    result = sync_now(r, api, timeout=600 + n)  # a loaded 2-core machine: up to 1 s each
    wall = time.perf_counter() - start
    r.counts.wait_quiet(SETTLE_S)
    diff, pc = r.counts.since(before), _pc_diff(r, tenant, pc_before)
    assert result.counts.imported == n, result
    sync_s = (result.finished - result.started).total_seconds() if result.finished else None
    return {"phase": f"first import {n:,}", "n": n, "new_leads": new, "wall_s": round(wall, 2),
            "s_per_1000": round(wall / n * 1000, 1), "sync_s": sync_s,
            "pc_list": pc.get("list", 0), "pc_get": pc.get("get", 0),
            "pc_list_target": math.ceil(n / 100), **storage_figures(diff, n)}, api


def repeat_sync(r: Rig, api: Api, imported: int) -> dict[str, Any]:
    """The same sync again: Partner Center has nothing new."""
    log("repeated sync")
    r.counts.wait_quiet(SETTLE_S)
    before, pc_before = r.counts.snapshot(), sim_requests(r, api.tenant)
    result = sync_now(r, api)
    r.counts.wait_quiet(SETTLE_S)
    diff, pc = r.counts.since(before), _pc_diff(r, api.tenant, pc_before)
    writes = {k.split(":", 1)[1]: v for k, v in diff.items() if k.startswith("table.write:")}
    referral_writes = sum(v for k, v in writes.items() if k != PC_TABLE)
    return {"phase": f"repeated sync ({imported:,} held)", "n": result.counts.unchanged,
            "referral_writes": referral_writes, "connection_writes": writes.get(PC_TABLE, 0),
            "queue_writes": diff.get("queue.write", 0), "pc_list": pc.get("list", 0),
            "pc_get": pc.get("get", 0), "storage": sum(
                diff.get(k, 0) for k in ("table.read", "table.write", "queue.read",
                                         "queue.write")),
            "by_table": {k: v for k, v in sorted(diff.items()) if ":" in k}}


def insights_read(r: Rig, api: Api, held: int) -> dict[str, Any]:
    """One ``GET /api/insights`` of the partner that just imported: the call's own requests,
    then what it set going in the background."""
    log("insights")
    r.counts.wait_quiet(SETTLE_S)
    before = r.counts.snapshot()
    start = time.perf_counter()
    resp = api.get("/insights")
    ms = (time.perf_counter() - start) * 1000
    assert resp.status_code == 200, resp.text
    during = r.counts.since(before)
    r.counts.wait_quiet(SETTLE_S)
    after = r.counts.since(before)
    background = {k: after.get(k, 0) - during.get(k, 0) for k in after
                  if after.get(k, 0) != during.get(k, 0)}
    storage = during.get("table.read", 0) + during.get("table.write", 0)
    return {"phase": f"insights ({held:,} held)", "n": 1, "ms": round(ms, 1),
            "storage": storage, "storage_per_item": storage,
            "entities_per_item": during.get("entities", 0), "by_table": during,
            "background": background}


def _pc_diff(r: Rig, tenant: str, before: dict[str, int]) -> dict[str, int]:
    now = sim_requests(r, tenant)
    return {k: v - before.get(k, 0) for k, v in now.items() if v - before.get(k, 0)}


def answered_partner(r: Rig, leads: int) -> tuple[Api, list[dict[str, Any]]]:
    """A partner whose ``leads`` new leads (all New) came in by its first sync."""
    tenant = new_tenant()
    for _ in range(leads):
        r.sim.create_referral(tenant, "lead", emit=False)
    api = connect(r, tenant)
    items = wait_for(lambda: len(i := _pc_items(api)) == leads and i, "the leads imported")
    r.counts.wait_quiet(SETTLE_S)
    return api, items


def _pc_items(api: Api) -> list[dict[str, Any]]:
    resp = api.get("/referrals", params={"top": "100"})
    assert resp.status_code == 200, resp.text
    return [x for x in resp.json()["value"] if x.get("source") == "partnerCenter"]


def event_latency(r: Rig, api: Api, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Each lead accepted "in Partner Center" (a signed referral-updated event), one at a
    time: the seconds until the list (``GET /api/referrals``) shows it Active."""
    log(f"{len(items)} events")
    samples, before = [], sim_requests(r, api.tenant)
    for item in items:
        pc_id = item["partnerCenter"]["id"]
        start = time.perf_counter()
        r.sim.change_referral(api.tenant, pc_id, {"status": "Active", "substatus": "Accepted"})
        wait_for(partial(_listed_active, api, pc_id), "the event", 120, 0.02)
        samples.append(time.perf_counter() - start)
    r.counts.wait_quiet(SETTLE_S)
    pc = _pc_diff(r, api.tenant, before)
    return {"phase": "event -> visible in the list", **summarize(samples),
            "pc_get_per_event": round(pc.get("get", 0) / len(items), 3), "pc": pc}


def _listed_active(api: Api, pc_id: str) -> bool:
    return any(x["partnerCenter"]["id"] == pc_id and x["status"] == "Active"
               for x in _pc_items(api))


def _active_there(r: Rig, tenant: str, pc_id: str) -> bool:
    return (r.sim.referral(tenant, pc_id) or {}).get("status") == "Active"


def write_back(r: Rig, api: Api, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Each lead accepted here; the write-backs until Partner Center shows every one Active:
    the simulation's request counters per change."""
    log(f"{len(items)} write-backs")
    before = sim_requests(r, api.tenant)
    for item in items:
        resp = api.post(f"/referrals/{item['id']}/accept", accept_body())
        assert resp.status_code == 200, resp.text
    for item in items:
        pc_id = item["partnerCenter"]["id"]
        wait_for(partial(_active_there, r, api.tenant, pc_id), "the write-back", 300)
    wait_for(lambda: all(_sync_state(api, x["id"]) == "synced" for x in items), "synced", 300)
    r.counts.wait_quiet(SETTLE_S)
    pc, n = _pc_diff(r, api.tenant, before), len(items)
    return {"phase": "write-back (accept here)", "n": n,
            "pc_get_per_change": round(pc.get("get", 0) / n, 3),
            "pc_patch_per_change": round(pc.get("patch", 0) / n, 3), "pc": pc}


def _sync_state(api: Api, referral_id: str) -> str | None:
    resp = api.get(f"/referrals/{referral_id}")
    return str((resp.json().get("partnerCenter") or {}).get("syncState")) if resp.ok else None
