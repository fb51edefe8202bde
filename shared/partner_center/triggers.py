"""The Partner Center timer and queue function. The timer only fans out: one message per
connected partner on ``partner-center-sync``; the queue function does the work (a sync, or
one event's referral), so a slow partner never holds up another and nothing relies on one
invocation finishing. A message whose work fails is retried by the host (host.json
maxDequeueCount) and then parked on ``partner-center-sync-poison``; a sync is idempotent and
resumes from the watermark, so a host killed mid-sync loses nothing."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.telemetry.spans import PARTNER_ID, annotate, queue_span, timer_span

from . import sync, tokens
from .api.errors import ReferralNotFound
from .state.connection import ConnectionState
from .state.work_queue import SYNC_QUEUE, Work, decode

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.timer_trigger(schedule="%PARTNER_CENTER_SYNC_SCHEDULE%", arg_name="timer",
                  run_on_startup=False)
def sync_partner_center(timer: func.TimerRequest) -> None:
    rt = bootstrap.partner_center()
    count = 0
    with timer_span("sync_partner_center"):
        for partner_id, state in rt.store.connected_partners():
            if state is ConnectionState.CONNECTED:
                rt.work.send(Work(partner_id))
                count += 1
    log.info("sync_partner_center queued %d partner(s) (past_due=%s)", count, timer.past_due)


@bp.queue_trigger(arg_name="msg", queue_name=SYNC_QUEUE, connection="AzureWebJobsStorage")
def partner_center_work(msg: func.QueueMessage) -> None:
    with queue_span("partner_center_work", SYNC_QUEUE, msg.get_body()):
        _work(msg)


def _work(msg: func.QueueMessage) -> None:
    try:
        work = decode(msg.get_body().decode("utf-8"))
    except (ValueError, KeyError, UnicodeDecodeError):
        log.error("partner_center_work: malformed message %s dropped", msg.id)
        return
    annotate({PARTNER_ID: work.partner_id})
    rt = bootstrap.partner_center()
    if work.referral_id is None:
        result = sync.run_sync(rt, work.partner_id)
        log.info("Partner Center sync of %s: %s", work.partner_id, result)
        return
    try:
        outcome = sync.run_event(rt, work.partner_id, work.referral_id)
    except ReferralNotFound:
        log.warning("an event named a referral Partner Center does not have; dropped")
        return
    except tokens.NotConnected:
        log.info("event for a partner without a working connection; the next sync catches up")
        return
    log.info("Partner Center event for %s: %s", work.partner_id, outcome)
