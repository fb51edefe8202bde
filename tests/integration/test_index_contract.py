"""Index rows against a recount, and every listing against a brute-force oracle, on both
repositories (in-memory and Table Storage on Azurite).

Random action sequences (seeded, so a failure replays) drive a partner's referrals through
their lives; after each step the partition's index rows must be exactly what the referrals
imply, and every query must page to exactly what filtering and sorting all referrals gives.
"""

from __future__ import annotations

import contextlib
import json
import random
import statistics
import threading
from dataclasses import replace

import pytest

from shared.domain.commands import (
    AcceptRequest,
    DeclineRequest,
    EditRequest,
    IntakeRequest,
    LoseRequest,
    SetFavorite,
    WinRequest,
)
from shared.domain.enums import ListOrder, Qualification, Stage
from shared.domain.errors import DomainError
from shared.domain.lifecycle import stage_of
from shared.domain.models import ProfileInput, Referral
from shared.services import insights, profiles
from shared.services import referrals as svc
from shared.services.context import Context
from shared.storage.layout.indexes import index_rows
from shared.storage.ports import ListQuery
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import Clock

NAMES = ["Fabrikam", "Fäbrik Werke", "Contoso Ltd", "Northwind", "Adatum", "Woodgrove Bank"]
COUNTRIES = ["NL", "DE", "US", None]


def _intake(ctx: Context, partner: str, rng: random.Random) -> None:
    body = intake_body(partner, rng.choice([q.value for q in Qualification]))
    body["customerProfile"]["name"] = rng.choice(NAMES)
    country = rng.choice(COUNTRIES)
    body["customerProfile"]["address"] = {"country": country} if country else None
    # Needs, size and notes vary, so fit scores (and the fit order) vary too.
    body["customerProfile"]["size"] = rng.choice(["1to50employees", "Morethan500employees"])
    body["details"]["requirements"]["products"] = rng.sample(["Azure", "Fabric", "Dynamics"], 1)
    body["details"]["notes"] = rng.choice(["Wants a migration", "Needs licences", ""])
    svc.intake(ctx, IntakeRequest.model_validate_json(json.dumps(body)))


def _command(rng: random.Random, r: Referral):
    stage = stage_of(r.status)
    if stage is Stage.RECEIVED:
        if rng.random() < 0.6:
            body = {**accept_body(), "dealValue": rng.choice([10, 99.5, 25000, 7]),
                    "name": rng.choice(["Cloud move", "Fabric rollout", "Data estate"]),
                    "closingDate": rng.choice(["2099-02-10", "2099-03-05", "2098-12-31"])}
            return AcceptRequest.model_validate_json(json.dumps(body))
        return DeclineRequest.model_validate_json('{"reason": "NotAFit"}')
    if stage is Stage.ACCEPTED and rng.random() < 0.5:
        return rng.choice([
            EditRequest.model_validate_json(json.dumps({"dealValue": rng.choice([1, 500])})),
            EditRequest.model_validate_json(json.dumps({"name": "Renamed deal"})),
            WinRequest(), LoseRequest.model_validate_json('{"reason": "Price"}')])
    return SetFavorite(favorite=not r.favorite)


def _all(ctx: Context, partner: str) -> list[Referral]:
    return list(ctx.referrals.all_for_partner(partner))


def stored_index(ctx: Context, partner: str) -> dict[str, dict]:
    """Every index row of the partition, read straight from the store."""
    store = getattr(ctx.referrals, "index", None)
    if store is not None:
        return {k: v for k, v in store.get(partner, {}).items() if k[0] in "epwx"}
    table = ctx.referrals._t  # type: ignore[attr-defined]
    rows = table.query_entities("PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
                                parameters={"pk": partner, "low": "e|", "high": "x|~"})
    return {r["RowKey"]: {k: v for k, v in r.items() if k not in ("PartitionKey", "RowKey")}
            for r in rows if r["RowKey"][0] in "epwx" and r["RowKey"][1] == "|"}


def expected_index(referrals: list[Referral]) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for r in referrals:
        rows.update(index_rows(r))
    return rows


def _life(ctx: Context, partner: str, seed: int, steps: int) -> Clock:
    rng = random.Random(seed)
    clock: Clock = ctx.clock  # type: ignore[assignment]
    for _ in range(steps):
        clock.advance(hours=rng.choice([1, 5, 30]))
        referrals = _all(ctx, partner)
        if not referrals or rng.random() < 0.35:
            _intake(ctx, partner, rng)
            continue
        r = rng.choice(referrals)
        # A refusal (e.g. the window passed) must change nothing, which the checks see too.
        with contextlib.suppress(DomainError):
            svc.perform(ctx, partner, r.id, _command(rng, r))
    return clock


@pytest.fixture
def life(ctx: Context, partner: str) -> Context:
    ctx = replace(ctx, clock=Clock())
    profiles.put_profile(ctx, partner, ProfileInput.model_validate_json(
        json.dumps(profile_body())))
    return ctx


def test_index_rows_always_equal_a_recount(life: Context, partner: str):
    rng = random.Random(7)
    for step in range(6):
        _life(life, partner, rng.randrange(10**6), 12)
        assert stored_index(life, partner) == expected_index(_all(life, partner)), step


def _sort_key(order: ListOrder, r: Referral):
    if order is ListOrder.CREATED_DESC:
        return (-r.created_date_time.timestamp(), r.id)
    if order is ListOrder.CREATED_ASC:
        return (r.created_date_time.timestamp(), r.id)
    if order is ListOrder.EXPIRATION_ASC:
        return (r.expiration_date_time, r.id)
    if order is ListOrder.CLOSING_ASC:
        return (r.details.closing_date, r.id)
    if order is ListOrder.FIT_DESC:
        return (-r.fit.score, r.id)
    return (-(r.details.deal_value or 0), r.id)


def oracle(referrals: list[Referral], q: ListQuery) -> list[str]:
    """Filter and sort every referral by hand, independently of the index code."""
    only = {ListOrder.EXPIRATION_ASC: Stage.RECEIVED, ListOrder.CLOSING_ASC: Stage.ACCEPTED,
            ListOrder.VALUE_DESC: Stage.ACCEPTED, ListOrder.FIT_DESC: Stage.RECEIVED}.get(q.order)
    keep = []
    for r in referrals:
        country = r.customer_profile.address.country if r.customer_profile.address else None
        day = r.created_date_time.date()
        if (q.group == "favorites" and not r.favorite) or (
                q.group in ("marketplace", "qualified")
                and r.qualification.category.value != q.group):
            continue
        if (q.stage and stage_of(r.status) is not q.stage) or (only and stage_of(r.status)
                                                                is not only):
            continue
        if (q.qualification and r.qualification is not q.qualification) or (
                q.country and country != q.country):
            continue
        if (q.created_from and day < q.created_from) or (q.created_to and day > q.created_to):
            continue
        keep.append(r)
    return [r.id for r in sorted(keep, key=lambda r: _sort_key(q.order, r))]


def paged(ctx: Context, partner: str, q: ListQuery, top: int) -> list[str]:
    seen, token = [], None
    while True:
        page = svc.list_page(ctx, partner, q, top, token)
        seen += [s.referral.id for s in page.items]
        token = page.continuation_token
        if not token:
            return seen


def queries(referrals: list[Referral]) -> list[ListQuery]:
    days = sorted(r.created_date_time.date() for r in referrals)
    mid, late = days[len(days) // 3], days[2 * len(days) // 3]
    out = [ListQuery(order=o) for o in ListOrder]
    out += [ListQuery(group=g, stage=s) for g in ("all", "marketplace", "qualified", "favorites")
            for s in (None, *Stage)]
    out += [ListQuery(qualification=Qualification.SALES_QUALIFIED, order=ListOrder.CREATED_ASC),
            ListQuery(country="NL", stage=Stage.ACCEPTED, order=ListOrder.VALUE_DESC),
            ListQuery(group="favorites", order=ListOrder.CLOSING_ASC),
            ListQuery(created_from=mid, created_to=late),
            ListQuery(created_from=mid, created_to=mid),
            ListQuery(created_from=mid, order=ListOrder.CREATED_ASC, group="qualified"),
            ListQuery(created_to=late, order=ListOrder.CREATED_ASC),
            ListQuery(created_from=late, order=ListOrder.EXPIRATION_ASC)]
    return out


def test_every_query_pages_to_the_oracle(life: Context, partner: str):
    _life(life, partner, seed=11, steps=60)
    referrals = _all(life, partner)
    for q in queries(referrals):
        assert paged(life, partner, q, top=4) == oracle(referrals, q), q


def test_paging_is_stable_while_new_referrals_arrive(life: Context, partner: str):
    _life(life, partner, seed=3, steps=25)
    before = oracle(_all(life, partner), ListQuery())
    first = svc.list_page(life, partner, ListQuery(), 5, None)
    for _ in range(3):
        life.clock.advance(minutes=1)  # type: ignore[attr-defined]
        _intake(life, partner, random.Random(1))
    seen = [s.referral.id for s in first.items]
    token = first.continuation_token
    while token:
        page = svc.list_page(life, partner, ListQuery(), 5, token)
        seen += [s.referral.id for s in page.items]
        token = page.continuation_token
    assert seen == before  # newer arrivals sort before the cursor: no repeat, no skip


def recount(referrals: list[Referral], day_from=None, day_to=None) -> dict:
    """The figures from every referral, computed the slow, obvious way."""
    rs = [r for r in referrals if (day_from is None or r.created_date_time.date() >= day_from)
          and (day_to is None or r.created_date_time.date() <= day_to)]
    now = {s: 0 for s in ("received", "accepted", "declined", "expired", "won", "lost")}
    hours, declines, pipeline = [], {}, {}
    bands = {"0-39": [0, 0], "40-69": [0, 0], "70-100": [0, 0]}
    for r in rs:
        if r.fit is not None and r.substatus.value in ("Won", "Lost"):
            band = next(b for b in bands if int(b.split("-")[0]) <= r.fit.score
                        <= int(b.split("-")[1]))
            bands[band][r.substatus.value == "Lost"] += 1
        stage = stage_of(r.status)
        now[stage.value if stage is not Stage.ARCHIVED else r.substatus.value.lower()] += 1
        if stage is Stage.ACCEPTED:
            pipeline[r.details.currency] = pipeline.get(r.details.currency, 0) + \
                r.details.deal_value
        if r.substatus.value == "Declined":
            declines[r.status_reason] = declines.get(r.status_reason, 0) + 1
        answered = r.accepted_date_time or (r.closed_date_time if r.substatus.value
                                            == "Declined" else None)
        if answered:
            hours.append((answered - r.created_date_time).total_seconds() / 3600)
    return {"counts": now, "declines": declines, "pipeline": pipeline,
            "bands": {b: tuple(v) for b, v in bands.items()},
            "median": statistics.median(hours) if hours else None}


def assert_figures_match(f, expected: dict) -> None:
    assert f.counts == expected["counts"]
    assert f.decline_reasons == expected["declines"]
    assert f.fit_calibration == expected["bands"]
    assert f.open_pipeline == {k: v for k, v in expected["pipeline"].items() if v}
    if expected["median"] is None:
        assert f.median_response_hours is None
    else:  # the contract's tolerance for a histogram median
        assert abs(f.median_response_hours - expected["median"]) <= max(
            1.0, 0.02 * expected["median"])


def test_insights_equal_a_recount_through_folds(life: Context, partner: str):
    rng = random.Random(5)
    for _ in range(5):
        _life(life, partner, rng.randrange(10**6), 15)
        referrals = _all(life, partner)
        assert_figures_match(insights.insights(life, partner), recount(referrals))
        insights.fold_pending(life, partner)  # folding moves sums, never changes them
        assert_figures_match(insights.insights(life, partner), recount(referrals))
    days = sorted(r.created_date_time.date() for r in _all(life, partner))
    for window in ((days[len(days) // 4], days[len(days) // 2]), (None, days[len(days) // 2]),
                   (days[len(days) // 2], None)):
        assert_figures_match(insights.insights(life, partner, *window),
                             recount(_all(life, partner), *window))


def test_racing_folds_count_each_change_once(life: Context, partner: str):
    _life(life, partner, seed=9, steps=40)
    expected = recount(_all(life, partner))
    threads = [threading.Thread(target=insights.fold_pending, args=(life, partner))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert_figures_match(insights.insights(life, partner), expected)
    rows = life.referrals.fold_rows(partner)
    assert sum(r.is_delta for r in rows) < 40  # at least one fold won
