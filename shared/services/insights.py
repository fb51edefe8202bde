"""The organisation's response and outcome figures (GET /insights)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from shared.domain.enums import Stage, Substatus
from shared.domain.lifecycle import stage_of

from .context import Context


@dataclass
class Figures:
    """Counts by where referrals are now, and how the partner responded."""

    received: int = 0
    accepted: int = 0
    declined: int = 0
    expired: int = 0
    won: int = 0
    lost: int = 0
    acceptance_rate: float | None = None
    win_rate: float | None = None
    median_response_hours: float | None = None
    open_pipeline: dict[str, Decimal] = field(default_factory=dict)  # currency -> value


def insights(ctx: Context, partner_id: str) -> Figures:
    figures = Figures()
    accepted_ever = 0
    response_hours: list[float] = []
    pipeline: dict[str, Decimal] = defaultdict(Decimal)
    for r in ctx.referrals.all_for_partner(partner_id):
        stage = stage_of(r.status)
        if stage is Stage.RECEIVED:
            figures.received += 1
        elif stage is Stage.ACCEPTED:
            figures.accepted += 1
            if r.details.currency and r.details.deal_value is not None:
                pipeline[r.details.currency] += r.details.deal_value
        else:
            name = r.substatus.value.lower()
            setattr(figures, name, getattr(figures, name) + 1)
        responded_at = r.accepted_date_time or (
            r.closed_date_time if r.substatus is Substatus.DECLINED else None
        )
        if r.accepted_date_time is not None:
            accepted_ever += 1
        if responded_at is not None:
            response_hours.append((responded_at - r.created_date_time).total_seconds() / 3600)
    responded = accepted_ever + figures.declined
    outcomes = figures.won + figures.lost
    figures.acceptance_rate = accepted_ever / responded if responded else None
    figures.win_rate = figures.won / outcomes if outcomes else None
    figures.median_response_hours = round(median(response_hours), 2) if response_hours else None
    figures.open_pipeline = dict(sorted(pipeline.items()))
    return figures
