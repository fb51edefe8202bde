"""History: cost follows the result, not the partner's history.

One Azurite holds two partners with the same 20 referrals waiting for an answer and a history
of archived ones (declined, expired, won, lost; both categories; a few favorites; arrived
over the same two years): A with 1,000, B with 100,000 (``--size small``: 200 and 2,000).
They are loaded directly in the shapes the app writes (referral rows with their index rows,
and the folded day-sum rows insights read). Then each call below is made through the service
layer, A and B interleaved with the order rotated, several rounds:

* the Received view, each view (marketplace, qualified, favorites), a search, a sorted page
  (``list_page``); an export of 500 rows (100 small; ``export``, a createdFrom/createdTo
  window that holds exactly that many referrals of each partner); insights, all time and
  for the last 90 days of the history.

Reported per call, for A and B: median wall time and its B/A; median CPU time of this
process (the app's and the SDK's own work, which Azurite's scans and the machine's load do
not touch); storage requests; entities returned; and entities Azure Table storage examines
(from each request's query class; see ``Cost.examined``). Requests and entities are counted
by a ``raw_response_hook`` on a second context, built by the app's own ``build_context``
over a counted ``TableServiceClient``; the timed context is the app's own, uncounted. Two raw
SDK baselines (a point read, a 1-row key range) show what one request costs each partner on
the emulator. If loading B would take longer than ``LOAD_BUDGET_S``, B is cut (and the
report says so): Azurite's inserts into one partition get slower as it grows.
"""

from __future__ import annotations

import bisect
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, unquote, urlsplit

from azure.data.tables import TableClient, TableServiceClient

from shared.domain.enums import ListOrder, Stage
from shared.services import export as export_svc
from shared.services import insights as insights_svc
from shared.services import referrals as svc
from shared.storage.layout import keys
from shared.storage.ports import ListQuery, summaries

from . import data, history_data
from .common import Report, azurite, median, parse_args, ratio, rotated, table_context

SIZES = {
    "small": {"a": 200, "b": 2_000, "export_rows": 100, "rounds": 2},
    "full": {"a": 1_000, "b": 100_000, "export_rows": 500, "rounds": 3},
}
RECEIVED = 20  # both partners: the same work waiting for an answer
INSIGHTS_DAYS = 90  # the windowed insights call: the last 90 days
TIME_TARGET = 1.2  # B/A median time
# A partner's load starts no new chunk once it has taken this long, so that a slow machine
# cuts B (and says so) rather than blowing the full run's ~15-minute budget.
LOAD_BUDGET_S = 420.0


# --- counting what each call asks of storage ---------------------------------------------


@dataclass(frozen=True)
class Request:
    kind: str  # point | range | or-scan | other
    returned: int  # entities in the response
    low: tuple[str, str] | None = None  # RowKey bounds of a range query: (gt|ge, key)
    high: tuple[str, str] | None = None  # (lt|le, key)


_RK_LOW = re.compile(r"RowKey (gt|ge) '((?:[^']|'')*)'")
_RK_HIGH = re.compile(r"RowKey (lt|le) '((?:[^']|'')*)'")


def _unquote(value: str) -> str:
    return value.replace("''", "'")


def classify(method: str, url: str, body: bytes) -> Request:
    """What one HTTP exchange was, from its URL and its JSON body."""
    if method != "GET":
        return Request("other", 0)
    parts = urlsplit(url)
    payload = json.loads(body) if body else {}
    if "PartitionKey=" in unquote(parts.path):  # GET /Table(PartitionKey='..',RowKey='..')
        return Request("point", 1 if "PartitionKey" in payload else 0)
    returned = len(payload.get("value", []))
    flt = parse_qs(parts.query).get("$filter", [""])[0]  # the SDK sends values inlined
    # The Table design guide: "Using an 'or' to specify a filter based on RowKey values
    # results in a partition scan, and isn't treated as a range query."
    if " or " in flt:
        return Request("or-scan", returned)
    low, high = _RK_LOW.search(flt), _RK_HIGH.search(flt)
    return Request("range", returned,
                   (low.group(1), _unquote(low.group(2))) if low else None,
                   (high.group(1), _unquote(high.group(2))) if high else None)


@dataclass
class RequestLog:
    """Every request the counted clients send, via azure-core's ``raw_response_hook``."""

    requests: list[Request] = field(default_factory=list)

    def hook(self, response: Any) -> None:
        http_req, http_res = response.http_request, response.http_response
        # Only reads answer entities; a transaction's answer is streamed and left unread.
        body = http_res.body() if http_req.method == "GET" else b""
        self.requests.append(classify(http_req.method, http_req.url, body))

    def take(self) -> list[Request]:
        taken, self.requests = self.requests, []
        return taken


def counted_context(connection_string: str, log: RequestLog) -> tuple[Any, TableServiceClient]:
    """The app's own context, built by ``bootstrap.build_context`` (every repository wired
    as the app wires it) over a ``TableServiceClient`` that reports every response to
    ``log``: bootstrap's ``table_service`` is swapped while it builds, so nothing in shared/
    needs a hook and the wiring cannot drift from the app's. Returns it with that client."""
    from shared import bootstrap

    service = TableServiceClient.from_connection_string(connection_string,
                                                        raw_response_hook=log.hook)
    with mock.patch.object(bootstrap, "table_service", lambda storage: service):
        return table_context(connection_string), service


# --- the two partners --------------------------------------------------------------------


@dataclass
class Partner:
    label: str
    id: str
    archived: int
    row_keys: list[str]  # every RowKey in its partition, sorted (for the examined counts)
    export_window: tuple[date, date, int]  # from, to, referrals in it
    insights_window: tuple[date, date]
    probe_key: str  # a row every partner has (its newest day sum), for the raw baselines

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
    last = end.date()
    partner = Partner(label, partner_id, loaded, row_keys,
                      export_window([d for c in chunks for d in c.days], export_rows),
                      (last - timedelta(days=INSIGHTS_DAYS - 1), last),
                      max(k for k in row_keys if k.startswith(summaries.DAY)))
    return partner, Load(loaded, len(row_keys), seconds, loaded < archived)


# --- the calls ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Env:
    """What a call runs against: the app's service context, and a raw SDK client on the same
    Table service client (for the baselines)."""

    ctx: Any
    table: TableClient


Call = Callable[[Env, Partner], int]  # returns how many items the call produced


def _page(query: ListQuery, top: int) -> Call:
    return lambda env, p: len(svc.list_page(env.ctx, p.id, query, top, None).items)


def _export(env: Env, p: Partner) -> int:
    start, end, _ = p.export_window
    query = ListQuery(created_from=start, created_to=end)
    return len(list(export_svc.export(env.ctx, p.id, query)))


def _insights(window: bool) -> Call:
    def call(env: Env, p: Partner) -> int:
        span = p.insights_window if window else (None, None)
        return sum(insights_svc.insights(env.ctx, p.id, *span).counts.values())
    return call


def _raw_point(env: Env, p: Partner) -> int:
    env.table.get_entity(p.id, p.probe_key)
    return 1


def _raw_range(env: Env, p: Partner) -> int:
    # One row, by a key range: an index seek on Azure; on Azurite the filter is evaluated
    # on every entity of the table, so this is the emulator's floor for any query.
    return len(list(env.table.query_entities(
        "PartitionKey eq @pk and RowKey ge @key and RowKey le @key",
        parameters={"pk": p.id, "key": p.probe_key})))


CALLS: dict[str, Call] = {
    "received (top 20)": _page(ListQuery(stage=Stage.RECEIVED), 20),
    "view marketplace (top 50)": _page(ListQuery(group="marketplace"), 50),
    "view qualified (top 50)": _page(ListQuery(group="qualified"), 50),
    "view favorites (top 50)": _page(ListQuery(group="favorites"), 50),
    'search "fab" (top 50)': _page(ListQuery(search=("fab",), search_raw="fab"), 50),
    "archived, createdDateTime asc (top 50)": _page(
        ListQuery(stage=Stage.ARCHIVED, order=ListOrder.CREATED_ASC), 50),
    "export (createdFrom/To window)": _export,
    "insights, all time": _insights(False),
    f"insights, last {INSIGHTS_DAYS} days": _insights(True),
}
# Not the app: what one storage request costs each partner on this emulator.
BASELINES: dict[str, Call] = {
    "baseline: raw point read": _raw_point,
    "baseline: raw 1-row key range": _raw_range,
}


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


def count(env: Env, log: RequestLog, call: Call, p: Partner) -> Cost:
    log.take()
    items = call(env, p)
    return Cost(items, log.take())


def timed(env: Env, call: Call, p: Partner) -> tuple[float, float]:
    """(wall, CPU of this process) seconds. The CPU time is the app's and the SDK's own work
    (requests, JSON, mapping, sums), untouched by Azurite's scans and the machine's load."""
    wall, cpu = time.perf_counter(), time.process_time()
    call(env, p)
    return time.perf_counter() - wall, time.process_time() - cpu


# --- the run -----------------------------------------------------------------------------


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
    report.params.update(received_each=RECEIVED,
                         insights_window=[str(d) for d in a.insights_window])
    return a, b


def envs(connection_string: str, log: RequestLog) -> tuple[Env, Env]:
    """(timed, counted): the app's own context and an identical one whose requests are
    counted (kept apart so that parsing responses never weighs on the timings)."""
    ctx = table_context(connection_string)
    raw = TableServiceClient.from_connection_string(connection_string)
    counted_ctx, counted_service = counted_context(connection_string, log)
    return (Env(ctx, raw.get_table_client(keys.REFERRALS_TABLE)),
            Env(counted_ctx, counted_service.get_table_client(keys.REFERRALS_TABLE)))


Samples = dict[tuple[str, str], list[tuple[float, float]]]  # (call, partner) -> (wall, cpu)


def measure(env: Env, counted: Env, log: RequestLog, partners: Sequence[Partner],
            rounds: int) -> tuple[dict[tuple[str, str], Cost], Samples]:
    calls = {**CALLS, **BASELINES}
    costs = {(name, p.label): count(counted, log, call, p)
             for name, call in calls.items() for p in partners}
    for p in partners:  # warm-up: the timed client's connection, first-call imports
        for call in calls.values():
            call(env, p)
    times: Samples = {k: [] for k in costs}
    for rnd in range(rounds):
        for i, (name, call) in enumerate(calls.items()):
            # Rotated per call and round: each partner goes first as often as the other.
            for p in rotated(partners, rnd + i):
                times[(name, p.label)].append(timed(env, call, p))
    return costs, times


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("history", __doc__.splitlines()[0], argv)
    size = SIZES[args.size]
    report = Report("history", args.size, params={"rounds": size["rounds"]})
    with azurite() as az:
        log = RequestLog()
        env, counted = envs(az.connection_string, log)  # creates the tables, as locally
        a, b = load_partners(az.connection_string, size, report)
        costs, times = measure(env, counted, log, (a, b), size["rounds"])
    for name in [*CALLS, *BASELINES]:
        report.add(**_row(name, costs, times, a, b))
    for row in report.results:
        if row["call"] in CALLS:
            report.target(f"{row['call']}: B/A median time", row["time_ratio"], TIME_TARGET)
            report.target(f"{row['call']}: B - A requests",
                          row["requests_b"] - row["requests_a"], 0)
    _diagnose(report, costs, a, b)
    return report.emit(COLUMNS, args.json)


COLUMNS = ["call", "items_a", "items_b", "ms_a", "ms_b", "time_ratio", "cpu_ms_a", "cpu_ms_b",
           "cpu_ratio", "requests_a", "requests_b", "entities_a", "entities_b", "examined_a",
           "examined_b", "met"]


def _ms(samples: list[tuple[float, float]], which: int) -> float:
    return median([s[which] for s in samples]) * 1000


def _row(name: str, costs: dict[tuple[str, str], Cost], times: Samples, a: Partner,
         b: Partner) -> dict[str, Any]:
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
        "met": None if name in BASELINES else "yes" if met else "NO",
    }


def _diagnose(report: Report, costs: dict[tuple[str, str], Cost], a: Partner, b: Partner
              ) -> None:
    """For each call, its requests by kind, A/B: what differs is what to look at."""
    for name in CALLS:
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


if __name__ == "__main__":
    run()
