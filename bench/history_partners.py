"""History bench: the two partners, A and B, loaded in the shapes the app writes."""

from __future__ import annotations

import bisect
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from shared.storage.layout import keys
from shared.storage.ports import summaries

from . import data, history_data
from .common import Report

RECEIVED = 20  # both partners: the same work waiting for an answer
# A partner's load starts no new chunk once it has taken this long, so that a slow machine
# cuts B (and says so) rather than blowing the full run's ~15-minute budget.
LOAD_BUDGET_S = 420.0




@dataclass
class Partner:
    label: str
    id: str
    archived: int
    row_keys: list[str]  # every RowKey in its partition, sorted (for the examined counts)
    export_window: tuple[date, date, int]  # from, to, referrals in it
    probe_key: str  # a row every partner has (its newest month sum), for the raw baselines

    @property
    def partition_size(self) -> int:
        return len(self.row_keys)

    def in_range(self, low: tuple[str, str] | None, high: tuple[str, str] | None) -> int:
        """Rows of the partition between the bounds of a range query."""
        keys_ = self.row_keys
        start = 0 if low is None else bisect.bisect_right(keys_, low[1]) if low[0] == "gt" \
            else bisect.bisect_left(keys_, low[1])
        end = len(keys_) if high is None else bisect.bisect_left(keys_, high[1]) \
            if high[0] == "lt" else bisect.bisect_right(keys_, high[1])
        return max(0, end - start)


def export_window(days: Sequence[date], want: int) -> tuple[date, date, int]:
    """Arrival days [from, to] holding exactly ``want`` referrals (else the nearest count),
    preferring the most recent such window: what a user exporting "last N days" asks for."""
    per_day = Counter(days)
    ordered = sorted(per_day)
    best: tuple[int, date, date, int] | None = None
    for end in range(len(ordered) - 1, -1, -1):
        total, start = 0, end
        while start >= 0 and total < want:
            total += per_day[ordered[start]]
            start -= 1
        candidate = (abs(total - want), ordered[start + 1], ordered[end], total)
        if total == want:
            return candidate[1:]
        if best is None or candidate[0] < best[0]:
            best = candidate
        if start < 0:
            break  # fewer than ``want`` from here back: no window ends earlier
    assert best is not None
    return best[1:]


@dataclass
class Load:
    """What loading one partner took."""

    referrals: int
    entities: int
    seconds: float
    cut: bool  # stopped early to stay within the time budget


def load(connection_string: str, label: str, archived: int, now: datetime, seed: int,
         export_rows: int) -> tuple[Partner, Load]:
    """Write a partner's history (built and written in worker processes), then its received
    referrals and the day sums of both, as a fully folded partition holds them."""
    partner_id = data.new_partner()
    end = now - timedelta(days=20)  # every archived one is well past its 14-day window
    started = time.perf_counter()
    chunks = history_data.load_history(connection_string, keys.REFERRALS_TABLE, partner_id,
                                       archived, end, seed, LOAD_BUDGET_S)
    sums: history_data.DaySums = {}
    for chunk in chunks:
        history_data.merge_sums(sums, chunk.sums)
    waiting = history_data.received(partner_id, RECEIVED, now, seed + 1)
    folded = history_data.fold_days(waiting, sums)
    rest = data.referral_entities(waiting) + history_data.day_sum_entities(folded)
    history_data.write_fast(connection_string, keys.REFERRALS_TABLE, rest)
    seconds = time.perf_counter() - started
    row_keys = sorted([k for c in chunks for k in c.row_keys] + [e["RowKey"] for e in rest])
    loaded = sum(c.referrals for c in chunks)
    partner = Partner(label, partner_id, loaded, row_keys,
                      export_window([d for c in chunks for d in c.days], export_rows),
                      max(k for k in row_keys if k.startswith(summaries.MONTH)))
    return partner, Load(loaded, len(row_keys), seconds, loaded < archived)



def load_partners(connection_string: str, size: dict[str, int], report: Report
                  ) -> tuple[Partner, Partner]:
    now = datetime.now(UTC)
    a, a_load = load(connection_string, "A", size["a"], now, 1, size["export_rows"])
    b, b_load = load(connection_string, "B", size["b"], now, 2, size["export_rows"])
    for p, stats in ((a, a_load), (b, b_load)):
        print(f"loaded {p.label}: {p.archived:,} archived + {RECEIVED} received = "
              f"{stats.entities:,} entities in {stats.seconds:.1f} s "
              f"({stats.entities / stats.seconds:,.0f} entities/s)", flush=True)
        key = p.label.lower()
        report.params.update({
            f"{key}_archived": p.archived, f"{key}_entities": stats.entities,
            f"{key}_load_s": round(stats.seconds, 1),
            f"{key}_export_window": {"from": str(p.export_window[0]),
                                     "to": str(p.export_window[1]),
                                     "referrals": p.export_window[2]},
        })
        if stats.cut:
            report.notes.append(
                f"loading was too slow for {p.label} = {size[key]:,} archived referrals "
                f"within {LOAD_BUDGET_S:.0f} s: cut to {p.archived:,}")
    report.params.update(received_each=RECEIVED)
    return a, b


