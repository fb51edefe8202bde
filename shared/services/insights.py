"""The organisation's response and outcome figures (GET /insights)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from statistics import median
from typing import Any

from shared.domain.enums import Stage, Substatus
from shared.domain.lifecycle import stage_of

from .context import Context


def insights(ctx: Context, partner_id: str) -> dict[str, Any]:
    counts = {"received": 0, "accepted": 0, "declined": 0, "expired": 0, "won": 0, "lost": 0}
    accepted_ever = 0
    response_hours: list[float] = []
    pipeline: dict[str, Decimal] = defaultdict(Decimal)
    for r in ctx.referrals.all_for_partner(partner_id):
        stage = stage_of(r.status)
        if stage is Stage.RECEIVED:
            counts["received"] += 1
        elif stage is Stage.ACCEPTED:
            counts["accepted"] += 1
            if r.details.currency and r.details.deal_value is not None:
                pipeline[r.details.currency] += r.details.deal_value
        else:
            counts[r.substatus.value.lower()] += 1
        responded_at = r.accepted_date_time or (
            r.closed_date_time if r.substatus is Substatus.DECLINED else None
        )
        if r.accepted_date_time is not None:
            accepted_ever += 1
        if responded_at is not None:
            response_hours.append((responded_at - r.created_date_time).total_seconds() / 3600)
    responded = accepted_ever + counts["declined"]
    outcomes = counts["won"] + counts["lost"]
    return {
        **counts,
        "acceptanceRate": accepted_ever / responded if responded else None,
        "winRate": counts["won"] / outcomes if outcomes else None,
        "medianResponseHours": round(median(response_hours), 2) if response_hours else None,
        "openPipelineValue": [
            {"currency": c, "value": float(v)} for c, v in sorted(pipeline.items())
        ],
    }
