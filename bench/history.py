"""History: cost follows the result, not the partner's history.

One Azurite holds two partners with the same 20 referrals waiting for an answer and a history
of archived ones (declined, expired, won, lost; both categories; a few favorites; arrived
over the same two years): A with 1,000, B with 100,000 (``--size small``: 200 and 2,000).
They are loaded directly in the shapes the app writes (referral rows with their index rows,
and folded day sums), fast, since B is too big to build through the services on this machine.
Then each call below is made through the service layer, A and B interleaved with the order
rotated, several rounds:

* the Received view, each view (marketplace, qualified, favorites), a search, a sorted page
  (``list_page``); an export of 500 rows (100 small; ``export``, a createdFrom/createdTo
  window that holds exactly that many referrals of each partner).
* then, after those, the person lookup of customer data (``bench/history_people.py``).

Insights are measured apart, first, in an Azurite of their own (``bench/history_insights.py``):
on two partners whose histories are built through the services, not loaded (the loaded rows
are folded sums with no deltas, a state the product never reaches by itself), after a burst
of changes, after the background folds and at rest. Sizes: ``small`` (the smoke test),
``medium`` (the default: insights partners A 200 / B 2,000 through the services, a burst of
2,000) and ``full`` (bigger on both sides; see ``SIZES``).

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

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from azure.data.tables import TableClient, TableServiceClient

from shared.domain.enums import ListOrder, Stage
from shared.services import export as export_svc
from shared.services import referrals as svc
from shared.storage.layout import keys
from shared.storage.ports import ListQuery

from . import history_insights, history_people
from .common import Report, azurite, parse_args, rotated, table_context
from .history_partners import Partner, load_partners
from .history_report import COLUMNS, TIME_TARGET, Cost, Samples, call_row, diagnose
from .history_requests import RequestLog, counted_context

# a, b: the loaded partners (views, search, export, person lookup); insights_a, insights_b:
# the partners built through the services, burst: B's busy day, callers: instances at once.
SIZES = {
    "small": {"a": 200, "b": 2_000, "export_rows": 100, "rounds": 2,
              "insights_a": 20, "insights_b": 100, "burst": 200, "callers": 3},
    "medium": {"a": 1_000, "b": 10_000, "export_rows": 500, "rounds": 3,
               "insights_a": 200, "insights_b": 2_000, "burst": 2_000, "callers": 4},
    "full": {"a": 1_000, "b": 100_000, "export_rows": 500, "rounds": 3,
             "insights_a": 1_000, "insights_b": 10_000, "burst": 5_000, "callers": 4},
}


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
}
# Not the app: what one storage request costs each partner on this emulator.
BASELINES: dict[str, Call] = {
    "baseline: raw point read": _raw_point,
    "baseline: raw 1-row key range": _raw_range,
}


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
def envs(connection_string: str, log: RequestLog) -> tuple[Env, Env]:
    """(timed, counted): the app's own context and an identical one whose requests are
    counted (kept apart so that parsing responses never weighs on the timings)."""
    ctx = table_context(connection_string)
    raw = TableServiceClient.from_connection_string(connection_string)
    counted_ctx, counted_service = counted_context(connection_string, log)
    return (Env(ctx, raw.get_table_client(keys.REFERRALS_TABLE)),
            Env(counted_ctx, counted_service.get_table_client(keys.REFERRALS_TABLE)))




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
    args = parse_args("history", __doc__.splitlines()[0], argv, sizes=list(SIZES),
                      default="medium")
    size = SIZES[args.size]
    report = Report("history", args.size, params={"rounds": size["rounds"]})
    insights_rows = history_insights.measure(size, report)  # its own Azurite, first
    with azurite() as az:
        log = RequestLog()
        env, counted = envs(az.connection_string, log)  # creates the tables, as locally
        a, b = load_partners(az.connection_string, size, report)
        costs, times = measure(env, counted, log, (a, b), size["rounds"])
        people = history_people.measure(az.connection_string, env.ctx, counted.ctx, log,
                                        (a, b), size["rounds"])  # issue 24, after the rest
    for name in [*CALLS, *BASELINES]:
        report.add(**call_row(name, costs, times, a, b, baseline=name in BASELINES))
    for row in report.results:
        if row["call"] in CALLS:
            report.target(f"{row['call']}: B/A median time", row["time_ratio"], TIME_TARGET)
            report.target(f"{row['call']}: B - A requests",
                          row["requests_b"] - row["requests_a"], 0)
    diagnose(report, costs, list(CALLS), a, b)
    history_people.report(report, *people, a, b)
    report.results += insights_rows
    return report.emit(COLUMNS, args.json)


if __name__ == "__main__":
    run()
