"""GET /api/insights while background folds keep committing: the read tries again, and when
folds never stop for its whole patience it answers 503 with Retry-After, never a figure that
may count a change twice (in-memory store, through the HTTP function)."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import count

import azure.functions as func
import pytest

from shared.storage.layout.summaries import dumps
from shared.storage.ports.summaries import SummaryRow
from shared.storage.queries import summaries as queries
from tests.fakes.memory import MemoryStore
from tests.fakes.memory_summaries import fold_transactions
from tests.support.factories import ADMIN, INTAKE, headers, intake_body, profile_body
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"


class _FoldingStore(MemoryStore):
    """Another instance's change and its fold commit during each of the first ``races``
    range reads of summary rows, after their first row."""

    def __init__(self, races: int) -> None:
        super().__init__()
        self.races, self._serial, self._inside = races, count(), False

    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        rows = super().summary_range(partner_id, low, high)
        if self.races and not self._inside and low.startswith("u|") and rows:
            # Served in pages: the first row, then the fold, then the rest.
            self.races -= 1
            self._inside = True
            try:
                key = f"u|t|{9_000_000_000_000 + next(self._serial)}|race"
                self.index[partner_id][key] = {
                    "day": "2026-11-02", "counts": dumps({"received": Decimal(0)}),
                    "etag": f"race{key}"}
                fold_transactions(self, partner_id, 10_000)
            finally:
                self._inside = False
            rest = super().summary_range(partner_id, low, high)
            return rows[:1] + [r for r in rest if r.key > rows[0].key]
        return rows


def _call(app: MemoryApp, name: str, method: str, path: str, body: object = None,
          hdrs: dict[str, str] | None = None) -> func.HttpResponse:
    req = func.HttpRequest(method, BASE + path, headers=hdrs or headers("t1", ADMIN),
                           params={}, route_params={},
                           body=json.dumps(body).encode() if body is not None else b"")
    return call_route(name, req, app.runtime())


def _app(races: int) -> MemoryApp:
    app = MemoryApp(store=_FoldingStore(races=0))
    assert _call(app, "put_profile", "PUT", "/profile", profile_body()).status_code == 200
    for _ in range(3):
        resp = _call(app, "create_referral", "POST", "/referrals", intake_body("t1"),
                     hdrs=headers("x", INTAKE))
        assert resp.status_code == 201
    app.store.races = races  # type: ignore[attr-defined]
    return app


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "PAUSE_S", 0.0)


def test_a_read_raced_by_a_few_folds_reads_again_and_answers_exactly() -> None:
    app = _app(races=3)
    resp = _call(app, "get_insights", "GET", "/insights")
    assert resp.status_code == 200
    assert json.loads(resp.get_body())["received"] == 3  # the 3 pending deltas, once
    assert app.store.races == 0  # type: ignore[attr-defined]  # it met all three


def test_folds_that_never_stop_answer_503_with_retry_after() -> None:
    app = _app(races=10_000)
    resp = _call(app, "get_insights", "GET", "/insights")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert json.loads(resp.get_body())["error"]["code"] == "serviceUnavailable"
    assert 10_000 - app.store.races == queries.ATTEMPTS  # type: ignore[attr-defined]
