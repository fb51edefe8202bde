"""History bench: what each call cost, and the report's rows and diagnosis."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .common import Report, median, ratio
from .history_partners import Partner
from .history_requests import Request

TIME_TARGET = 1.2  # B/A median time
Samples = dict[tuple[str, str], list[tuple[float, float]]]  # (call, partner) -> (wall, cpu)


@dataclass
class Cost:
    items: int
    requests: list[Request]

    @property
    def returned(self) -> int:
        return sum(r.returned for r in self.requests)

    def examined(self, p: Partner) -> int:
        """Entities Azure Table storage reads to answer the call, by the design guide's
        query classes: a point read 1; a key range with no other filter the rows it returns;
        a RowKey ``or`` filter is a partition scan: every entity of the partition."""
        return sum(p.partition_size if r.kind == "or-scan" else r.returned
                   for r in self.requests)

    def in_key_ranges(self, p: Partner) -> int:
        """Rows inside the key ranges queried: what Azurite gathers and sorts before it
        applies $top (Azure stops at $top)."""
        return sum(p.in_range(r.low, r.high) for r in self.requests if r.kind == "range")




COLUMNS = ["call", "items_a", "items_b", "ms_a", "ms_b", "time_ratio", "cpu_ms_a", "cpu_ms_b",
           "cpu_ratio", "requests_a", "requests_b", "entities_a", "entities_b", "examined_a",
           "examined_b", "deltas_a", "deltas_b", "met"]


def _ms(samples: list[tuple[float, float]], which: int) -> float:
    return median([s[which] for s in samples]) * 1000


def call_row(name: str, costs: dict[tuple[str, str], Cost], times: Samples, a: Partner,
             b: Partner, baseline: bool = False) -> dict[str, Any]:
    """The report's row for one call; a baseline (not the app) has no target."""
    ca, cb = costs[(name, "A")], costs[(name, "B")]
    ms_a, ms_b = _ms(times[(name, "A")], 0), _ms(times[(name, "B")], 0)
    cpu_a, cpu_b = _ms(times[(name, "A")], 1), _ms(times[(name, "B")], 1)
    time_ratio = ratio(ms_b, ms_a)
    met = time_ratio is not None and time_ratio <= TIME_TARGET \
        and len(ca.requests) == len(cb.requests)
    return {
        "call": name, "items_a": ca.items, "items_b": cb.items,
        "ms_a": round(ms_a, 2), "ms_b": round(ms_b, 2), "time_ratio": time_ratio,
        "cpu_ms_a": round(cpu_a, 2), "cpu_ms_b": round(cpu_b, 2), "cpu_ratio": ratio(cpu_b, cpu_a),
        "requests_a": len(ca.requests), "requests_b": len(cb.requests),
        "entities_a": ca.returned, "entities_b": cb.returned,
        "examined_a": ca.examined(a), "examined_b": cb.examined(b),
        "in_key_ranges_a": ca.in_key_ranges(a), "in_key_ranges_b": cb.in_key_ranges(b),
        "met": None if baseline else "yes" if met else "NO",
    }


def diagnose(report: Report, costs: dict[tuple[str, str], Cost], calls: list[str],
             a: Partner, b: Partner) -> None:
    """For each call, its requests by kind, A/B: what differs is what to look at."""
    for name in calls:
        ca, cb = costs[(name, "A")], costs[(name, "B")]
        parts = []
        for kind in ("range", "or-scan", "point"):
            ra = [r for r in ca.requests if r.kind == kind]
            rb = [r for r in cb.requests if r.kind == kind]
            if not ra and not rb:
                continue
            text = (f"{len(ra)}/{len(rb)} {kind}, returning {sum(r.returned for r in ra):,}/"
                    f"{sum(r.returned for r in rb):,}")
            if kind == "range":
                text += (f" of {sum(a.in_range(r.low, r.high) for r in ra):,}/"
                         f"{sum(b.in_range(r.low, r.high) for r in rb):,} rows in the key range")
            if kind == "or-scan":
                text += (f", each a scan of the {a.partition_size:,}/{b.partition_size:,}-"
                         "entity partition on Azure")
            parts.append(text)
        report.notes.append(f"{name} [A/B]: " + "; ".join(parts))
    report.notes.append(
        "'examined' estimates what Azure Table storage examines: a point read 1, a key range "
        "the rows it returns, a RowKey 'or' filter the whole partition (a partition scan: "
        "'Design for querying', Table design guide)")

