"""What one referral adds to its organisation's figures, and the figures from the sums.

Insights are served from maintained sums, never by reading every referral: each change
records ``contribution(after) - contribution(before)`` (a sparse delta), and the sums of
all deltas are exactly the sums over the referrals as they are now. Addition commutes, so
deltas may be folded in any order.

Response times are kept as a histogram (count and sum of hours per bucket): buckets one
hour wide below 50 hours, then 4 % wide, so a percentile read from it is within 1 hour or
2 % of the exact value (the contract's tolerance), and a bucket holding equal values (often
the case) gives them back exactly through its mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .enums import Stage, Substatus
from .fit import BANDS, Similar, band, similar_keys
from .lifecycle import stage_of
from .models import Referral

Counts = dict[str, Decimal]
LINEAR_HOURS = 50
GROWTH = 1.04
STAGE_COUNTERS = ("received", "accepted", "declined", "expired", "won", "lost")


def response_bucket(hours: float) -> int:
    if hours < LINEAR_HOURS:
        return max(0, math.floor(hours))
    return LINEAR_HOURS + math.floor(math.log(hours / LINEAR_HOURS) / math.log(GROWTH))


def contribution(r: Referral) -> Counts:
    stage = stage_of(r.status)
    name = stage.value if stage is not Stage.ARCHIVED else r.substatus.value.lower()
    out: Counts = {name: Decimal(1)}
    if stage is Stage.ACCEPTED and r.details.currency and r.details.deal_value is not None:
        out[f"pipeline:{r.details.currency}"] = r.details.deal_value
    if r.substatus is Substatus.DECLINED and r.status_reason:
        out[f"declineReason:{r.status_reason}"] = Decimal(1)
    if r.substatus is Substatus.LOST and r.status_reason:
        out[f"lostReason:{r.status_reason}"] = Decimal(1)
    responded = r.accepted_date_time or (
        r.closed_date_time if r.substatus is Substatus.DECLINED else None)
    if r.accepted_date_time is not None:
        out["acceptedEver"] = Decimal(1)
    if responded is not None:
        hours = (responded - r.created_date_time).total_seconds() / 3600
        bucket = response_bucket(hours)
        out[f"rh:{bucket}"] = Decimal(1)
        out[f"rs:{bucket}"] = Decimal(str(round(hours, 6)))
    add(out, _outcomes(r, responded is not None))
    return out


def _outcomes(r: Referral, answered: bool) -> Counts:
    """How it ended, per product bucket (the fit's "similar referrals") and per fit band
    (the calibration): answered, accepted, won, lost."""
    ended = {"answered": answered, "accepted": r.accepted_date_time is not None,
             "won": r.substatus is Substatus.WON, "lost": r.substatus is Substatus.LOST}
    prefixes = [f"sim:{key}" for key in similar_keys(r)]
    if r.fit is not None:
        prefixes.append(f"band:{band(r.fit.score)}")
    return {f"{p}:{name}": Decimal(1) for p in prefixes for name, yes in ended.items() if yes}


def similar(total: Counts, r: Referral) -> Similar | None:
    """The history of referrals like ``r``: its product bucket with the most answers."""
    best: Similar | None = None
    for key in similar_keys(r):
        got = Similar(label=key.replace(":", " leads for ", 1),
                      **{n: int(total.get(f"sim:{key}:{n}", 0))
                         for n in ("answered", "accepted", "won", "lost")})
        if best is None or got.answered > best.answered:
            best = got
    return best


def delta(before: Referral | None, after: Referral) -> Counts:
    """What changes in the sums when ``before`` becomes ``after`` (zeros left out)."""
    old = contribution(before) if before is not None else {}
    new = contribution(after)
    out = {k: new.get(k, Decimal(0)) - old.get(k, Decimal(0)) for k in old.keys() | new.keys()}
    return {k: v for k, v in out.items() if v != 0}


def add(total: Counts, more: Mapping[str, Decimal]) -> None:
    for key, value in more.items():
        total[key] = total.get(key, Decimal(0)) + value


@dataclass
class Figures:
    """The organisation's figures, computed from summed contributions."""

    counts: dict[str, int] = field(default_factory=dict)  # by where referrals are now
    acceptance_rate: float | None = None
    win_rate: float | None = None
    median_response_hours: float | None = None
    p90_response_hours: float | None = None
    open_pipeline: dict[str, Decimal] = field(default_factory=dict)
    decline_reasons: dict[str, int] = field(default_factory=dict)
    lost_reasons: dict[str, int] = field(default_factory=dict)
    # fit band -> (won, lost): does the score mean anything for this partner?
    fit_calibration: dict[str, tuple[int, int]] = field(default_factory=dict)


def figures(total: Counts) -> Figures:
    counts = {name: int(total.get(name, 0)) for name in STAGE_COUNTERS}
    accepted_ever = int(total.get("acceptedEver", 0))
    responded = accepted_ever + counts["declined"]
    outcomes = counts["won"] + counts["lost"]
    histogram = _histogram(total)
    return Figures(
        counts=counts,
        acceptance_rate=accepted_ever / responded if responded else None,
        win_rate=counts["won"] / outcomes if outcomes else None,
        median_response_hours=percentile(histogram, 0.5),
        p90_response_hours=percentile(histogram, 0.9),
        open_pipeline={k.split(":", 1)[1]: v for k, v in sorted(total.items())
                       if k.startswith("pipeline:") and v},
        decline_reasons=_named(total, "declineReason:"),
        lost_reasons=_named(total, "lostReason:"),
        fit_calibration={f"{lo}-{hi}": (int(total.get(f"band:{lo}-{hi}:won", 0)),
                                        int(total.get(f"band:{lo}-{hi}:lost", 0)))
                         for lo, hi in BANDS},
    )


def _named(total: Counts, prefix: str) -> dict[str, int]:
    return {k[len(prefix):]: int(v) for k, v in sorted(total.items())
            if k.startswith(prefix) and v}


def _histogram(total: Counts) -> list[tuple[int, int, float]]:
    """(bucket, count, mean hours) in bucket order, empty buckets left out."""
    rows = []
    for key, count in total.items():
        if key.startswith("rh:") and count > 0:
            bucket = int(key[3:])
            rows.append((bucket, int(count), float(total.get(f"rs:{bucket}", 0)) / int(count)))
    return sorted(rows)


def percentile(histogram: list[tuple[int, int, float]], q: float) -> float | None:
    """The q-quantile as statistics.median reads it (the mean of the two middle values for
    an even count at q = 0.5), each value taken as its bucket's mean."""
    n = sum(count for _, count, _ in histogram)
    if n == 0:
        return None
    position = q * (n - 1)
    low, high = math.floor(position), math.ceil(position)
    value = (_value_at(histogram, low) + _value_at(histogram, high)) / 2 if q == 0.5 \
        else _value_at(histogram, low) + (position - low) * (
            _value_at(histogram, high) - _value_at(histogram, low))
    return round(value, 2)


def _value_at(histogram: list[tuple[int, int, float]], rank: int) -> float:
    seen = 0
    for _, count, mean in histogram:
        seen += count
        if rank < seen:
            return mean
    return histogram[-1][2]
