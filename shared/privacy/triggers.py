"""The daily retention run (contract section 11): personal data of referrals archived longer
than PERSONAL_DATA_RETENTION ago is erased through the sweep fan-out (retention.py; the
``forget`` batches are worked by the ``sweep_batch`` queue function), and intake
repeatability claims past their 24 hours are deleted."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import bootstrap
from shared.services.intake_retries import TRACKED
from shared.telemetry.spans import timer_span

from . import retention

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.timer_trigger(schedule="%EXPIRY_SCHEDULE%", arg_name="timer", run_on_startup=False)
def forget_personal_data(timer: func.TimerRequest) -> None:
    with timer_span("forget_personal_data"):
        ctx = bootstrap.runtime().ctx
        fanned = retention.start(ctx)
        claims = ctx.claims.forget_before(ctx.clock() - TRACKED)
    log.info("forget_personal_data (past_due=%s): %s; %d claims deleted", timer.past_due,
             fanned, claims)
