"""The timers (expiry sweep, reminders, outbox redispatch) and the queue functions (sweep
batches, notification delivery).

The sweep timers only find what is due and enqueue it in batches on ``sweep-batches``; the
queue function ``sweep_batch`` does the work, as many at once as the host runs, so a backlog
of any size ends well within the function timeout (host.json ``functionTimeout``).
"""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.http.bodies import referral_view
from shared.notifications.delivery import Outcome, deliver
from shared.notifications.queue import NOTIFICATIONS_QUEUE, decode_message
from shared.partner_center.writeback import write_back
from shared.privacy import retention
from shared.services import expiry, insights, refit, reminders, sweeps
from shared.storage.ports import Delivery, Stored
from shared.storage.ports.sweeps import SweepKind
from shared.storage.tables.sweep_queue import SWEEP_QUEUE, decode_batch
from shared.telemetry.spans import PARTNER_ID, queue_span, timer_span

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.timer_trigger(schedule="%EXPIRY_SCHEDULE%", arg_name="timer", run_on_startup=False)
def expire_referrals(timer: func.TimerRequest) -> None:
    with timer_span("expire_referrals"):
        ctx = bootstrap.runtime().ctx
        started = expiry.start(ctx)
        # Being the daily timer, it also fans out the fold of the summary deltas that the
        # day's fold requests left (services/insights.py).
        folds = insights.start(ctx)
    log.info("expire_referrals enqueued (past_due=%s): %s; daily folds: %s", timer.past_due,
             started, folds)


@bp.timer_trigger(schedule="%REMINDER_SCHEDULE%", arg_name="timer", run_on_startup=False)
def send_reminders(timer: func.TimerRequest) -> None:
    with timer_span("send_reminders"):
        fanned = reminders.start(bootstrap.runtime().ctx)
    log.info("send_reminders enqueued (past_due=%s): %s", timer.past_due, fanned)


# Every 5 minutes, so a lost enqueue costs minutes rather than waiting for the daily sweep.
# A literal schedule: there is nothing an operator should tune here. Re-scorings left
# behind by a profile change (refit.py) are the same kind of lost enqueue.
@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
def redispatch_notifications(timer: func.TimerRequest) -> None:
    with timer_span("redispatch_notifications"):
        ctx = bootstrap.runtime().ctx
        expiry.redispatch(ctx)
        refit.redispatch(ctx)


@bp.queue_trigger(arg_name="msg", queue_name=SWEEP_QUEUE, connection="AzureWebJobsStorage")
def sweep_batch(msg: func.QueueMessage) -> None:
    # Each queue invocation is a span, the child of the one that sent the message.
    with queue_span("sweep_batch", SWEEP_QUEUE, msg.get_body()):
        _sweep_batch(msg)


def _sweep_batch(msg: func.QueueMessage) -> None:
    try:
        batch = decode_batch(msg.get_body().decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        # Retrying cannot fix a malformed message; the index rows it named stay for the
        # next run, so dropping it loses nothing.
        log.error("sweep_batch: malformed message %s dropped", msg.id)
        return
    # BatchIncomplete (referrals that kept changing) propagates: the host retries the message.
    if batch.kind is SweepKind.FORGET:  # the customer-data room's (shared/privacy)
        retention.work(bootstrap.runtime().ctx, batch)
    else:
        sweeps.work(bootstrap.runtime().ctx, batch)


@bp.queue_trigger(arg_name="msg", queue_name=NOTIFICATIONS_QUEUE, connection="AzureWebJobsStorage")
def deliver_notification(msg: func.QueueMessage) -> None:
    with queue_span("deliver_notification", NOTIFICATIONS_QUEUE, msg.get_body()) as span:
        try:
            partner_id, delivery_ids, attempt = decode_message(msg.get_body().decode("utf-8"))
        except (ValueError, KeyError, UnicodeDecodeError):
            # Retrying cannot fix a malformed message; log it rather than poison-loop.
            log.error("deliver_notification: malformed message %s dropped", msg.id)
            return
        span.set_attribute(PARTNER_ID, partner_id)
        _deliver_all(msg, partner_id, delivery_ids, attempt)


def _deliver_all(msg: func.QueueMessage, partner_id: str, delivery_ids: list[str],
                 attempt: int) -> None:
    runtime = bootstrap.runtime()
    ctx = runtime.ctx

    def render(stored: Stored) -> dict[str, object]:
        # The webhook's data is the referral exactly as GET /api/referrals/{id} answers it.
        return referral_view(stored, ctx.clock(), ctx.settings.contact_alert_window)

    # A back-off retry is a new message carrying its attempt; the host's own retries of this
    # message (an invocation that crashed or could not queue the retry) add to it.
    attempt += max((msg.dequeue_count or 1) - 1, 0)
    # A batch's deliveries one by one: each settles or schedules its own retry, so one
    # failing recipient never holds up (or re-sends) the others. If the invocation dies, the
    # host retries the message and the ones already settled are skipped.
    for delivery_id in delivery_ids:
        outcome = deliver(ctx, render, partner_id, delivery_id, attempt,
                          mailer=runtime.mailer, write_back=_write_back)
        log.info("delivery %s: %s", delivery_id, outcome)


def _write_back(found: Delivery, attempt: int) -> Outcome:
    """Partner Center write-backs (destination partnerCenter), through the connector."""
    return write_back(bootstrap.partner_center(), found, attempt)
