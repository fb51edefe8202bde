"""The timers (expiry sweep, outbox redispatch) and the queue function (notification delivery)."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.notifications.delivery import deliver
from shared.notifications.queue import NOTIFICATIONS_QUEUE, decode_message
from shared.services.expiry import redispatch, sweep

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.timer_trigger(schedule="%EXPIRY_SCHEDULE%", arg_name="timer", run_on_startup=False)
def expire_referrals(timer: func.TimerRequest) -> None:
    result = sweep(bootstrap.runtime().ctx)
    log.info("expire_referrals done (past_due=%s): %s", timer.past_due, result)


# Every 5 minutes, so a lost enqueue costs minutes rather than waiting for the daily sweep.
# A literal schedule: there is nothing an operator should tune here.
@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
def redispatch_notifications(timer: func.TimerRequest) -> None:
    redispatch(bootstrap.runtime().ctx)


@bp.queue_trigger(arg_name="msg", queue_name=NOTIFICATIONS_QUEUE, connection="AzureWebJobsStorage")
def deliver_notification(msg: func.QueueMessage) -> None:
    try:
        partner_id, event_id = decode_message(msg.get_body().decode("utf-8"))
    except (ValueError, KeyError, UnicodeDecodeError):
        # Retrying cannot fix a malformed message; log it rather than poison-loop.
        log.error("deliver_notification: malformed message %s dropped", msg.id)
        return
    rt = bootstrap.runtime()
    outcome = deliver(rt.ctx, rt.http, partner_id, event_id, msg.dequeue_count or 1)
    log.info("event %s: %s", event_id, outcome)
