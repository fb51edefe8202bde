"""One contract for both repositories: in-memory (fakes) and Table Storage (Azurite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import operations as ops
from shared.domain.commands import AcceptRequest, DeclineRequest, IntakeRequest, SetFavorite
from shared.domain.enums import Stage
from shared.domain.models import Profile
from shared.services.context import Context
from shared.storage.ports import Change, ConcurrencyConflict, DeliveryState, ListQuery, Stored
from shared.storage.ports.ids import delivery_ids, new_referral_id
from tests.support.factories import accept_body, intake_body, profile_body

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def make(partner: str, qualification: str = "Direct", at: datetime = NOW, window=timedelta(days=14)):
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body(partner, qualification)))
    return ops.receive(cmd, new_referral_id(at), at, window)


def test_add_get_round_trip(ctx: Context, partner: str):
    referral, events = make(partner)
    stored = ctx.referrals.add(referral, events)
    got = ctx.referrals.get(partner, referral.id)
    assert got is not None and got.referral == referral and got.etag == stored.etag
    assert ctx.referrals.get("someone-else", referral.id) is None


def test_update_is_conditional(ctx: Context, partner: str):
    referral, events = make(partner)
    stored = ctx.referrals.add(referral, events)
    accept = AcceptRequest.model_validate_json(json.dumps(accept_body()))
    accepted, _ = ops.accept(referral, accept, NOW)
    new = ctx.referrals.update(Change(stored, accepted))
    assert new.etag != stored.etag
    declined, ev = ops.decline(referral, DeclineRequest.model_validate_json('{"reason":"NotAFit"}'),
                               NOW)
    with pytest.raises(ConcurrencyConflict):
        ctx.referrals.update(Change(stored, declined, ev))
    got = ctx.referrals.get(partner, referral.id)
    assert got is not None and got.referral == accepted
    # The losing write's outbox row was part of its transaction, so it does not exist either.
    assert all(ctx.outbox.get(partner, d) is None for d in delivery_ids(ev[0]))


def test_add_twice_conflicts(ctx: Context, partner: str):
    referral, events = make(partner)
    ctx.referrals.add(referral, events)
    with pytest.raises(ConcurrencyConflict):
        ctx.referrals.add(referral, [])


def test_outbox_written_with_change_and_settled(ctx: Context, partner: str):
    referral, events = make(partner)
    ctx.referrals.add(referral, events)
    [did] = delivery_ids(events[0])  # received: the partner's own webhook only
    record = ctx.outbox.get(partner, did)
    assert record is not None and record.state is DeliveryState.PENDING
    assert record.event == events[0]
    cutoff = NOW + timedelta(minutes=5)
    assert (partner, did) in set(ctx.outbox.pending_before(cutoff))
    ctx.outbox.settle(record, DeliveryState.FAILED, "HTTP 410 (permanent)", NOW, "x.example")
    record = ctx.outbox.get(partner, did)
    assert record is not None and record.state is DeliveryState.FAILED and record.attempts == 1
    assert (record.recipient_label, record.last_attempt) == ("x.example", NOW)
    assert (partner, did) not in set(ctx.outbox.pending_before(cutoff))
    # Redelivery: pending again (found by the sweep), the same event; a stale copy conflicts.
    again = ctx.outbox.requeue(record, NOW + timedelta(hours=2))
    assert again.state is DeliveryState.PENDING and again.event == events[0]
    assert (partner, did) in set(ctx.outbox.pending_before(NOW + timedelta(hours=3)))
    with pytest.raises(ConcurrencyConflict):
        ctx.outbox.requeue(record, NOW + timedelta(hours=2))


def test_delivery_log_pages_newest_first_and_filters_by_state(ctx: Context, partner: str):
    for minute in range(3):
        referral, events = make(partner)
        later = events[0].model_copy(update={"occurred": NOW + timedelta(minutes=minute)})
        ctx.referrals.add(referral, [later])
    first = ctx.outbox.page(partner, None, None, 2)
    rest = ctx.outbox.page(partner, None, first.cursor, 2)
    times = [d.event.occurred for d in first.items + rest.items]
    assert times == sorted(times, reverse=True) and len(times) == 3 and rest.cursor is None
    ctx.outbox.settle(first.items[0], DeliveryState.DELIVERED, None, NOW)
    assert [d.id for d in ctx.outbox.page(partner, DeliveryState.DELIVERED, None, 5).items
            ] == [first.items[0].id]


def test_delivery_log_of_one_referral(ctx: Context, partner: str):
    """Only that referral's deliveries, from its change and later ones, newest first, paged
    and filtered by state; other referrals' deliveries and webhook.test are not in it."""
    referral, events = make(partner)
    stored = ctx.referrals.add(referral, events)
    other, other_events = make(partner)
    ctx.referrals.add(other, other_events)
    accept = AcceptRequest.model_validate_json(json.dumps(accept_body()))
    accepted, accept_events = ops.accept(referral, accept, NOW + timedelta(minutes=1))
    ctx.referrals.update(Change(stored, accepted, accept_events))
    expected = sorted(delivery_ids(accept_events[0]) + delivery_ids(events[0]))
    assert len(expected) == 3  # accepted: partner + Microsoft; received: partner
    first = ctx.outbox.page(partner, None, None, 2, referral_id=referral.id)
    rest = ctx.outbox.page(partner, None, first.cursor, 2, referral_id=referral.id)
    assert [d.id for d in first.items + rest.items] == expected and rest.cursor is None
    assert {d.event.referral_id for d in first.items + rest.items} == {referral.id}
    ctx.outbox.settle(rest.items[0], DeliveryState.DELIVERED, None, NOW)
    delivered = ctx.outbox.page(partner, DeliveryState.DELIVERED, None, 5, referral_id=referral.id)
    assert [d.id for d in delivered.items] == [expected[2]]
    assert ctx.outbox.page(partner, None, None, 5, referral_id=new_referral_id(NOW)).items == []


def test_paging_newest_first_filters_and_continuation(ctx: Context, partner: str):
    ids = []
    for i in range(9):
        referral, events = make(partner, "Direct" if i % 3 else "MarketingQualified",
                                at=NOW + timedelta(seconds=i))
        ctx.referrals.add(referral, events)
        ids.append(referral.id)
    seen, cursor = [], None
    while True:
        page = ctx.referrals.page(partner, ListQuery(), cursor, 4)
        seen += [s.referral.id for s in page.items]
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == list(reversed(ids))
    qualified = ctx.referrals.page(partner, ListQuery(group="qualified"), None, 50)
    assert [s.referral.id for s in qualified.items] == [ids[6], ids[3], ids[0]]
    assert qualified.cursor is None
    assert ctx.referrals.page(partner, ListQuery(stage=Stage.ACCEPTED), None, 50).items == []


def test_favorites_filter(ctx: Context, partner: str):
    referral, events = make(partner)
    stored = ctx.referrals.add(referral, events)
    fav, _ = ops.set_favorite(referral, SetFavorite(favorite=True), NOW)
    ctx.referrals.update(Change(stored, fav))
    make_other, ev = make(partner, at=NOW + timedelta(seconds=1))
    ctx.referrals.add(make_other, ev)
    items = ctx.referrals.page(partner, ListQuery(group="favorites"), None, 50).items
    assert [s.referral.id for s in items] == [referral.id]


def test_expiry_index_lists_due_days_only(ctx: Context, partner: str):
    due, ev1 = make(partner, at=NOW - timedelta(days=20))
    later, ev2 = make(partner, at=NOW)
    ctx.referrals.add(due, ev1)
    ctx.referrals.add(later, ev2)
    entries = [e for e in ctx.sweeps.expiry.due(NOW) if e.partner_id == partner]
    assert [e.referral_id for e in entries] == [due.id]
    ctx.sweeps.expiry.drop(entries)
    assert not [e for e in ctx.sweeps.expiry.due(NOW) if e.partner_id == partner]


def test_profiles(ctx: Context, partner: str):
    assert ctx.profiles.get(partner) is None
    profile = Profile.model_validate_json(json.dumps(profile_body("https://x.example/h")))
    ctx.profiles.put(partner, profile)
    assert ctx.profiles.get(partner) == profile


def test_all_for_partner_skips_outbox_rows(ctx: Context, partner: str):
    for i in range(3):
        referral, events = make(partner, at=NOW + timedelta(seconds=i))
        ctx.referrals.add(referral, events)
    assert len(list(ctx.referrals.all_for_partner(partner))) == 3


def test_update_many_commits_all_or_nothing(ctx: Context, partner: str):
    made = [make(partner) for _ in range(3)]
    stored = [ctx.referrals.add(r, ev) for r, ev in made]
    decline = DeclineRequest.model_validate_json('{"reason":"NotAFit"}')
    decided = [ops.decline(s.referral, decline, NOW) for s in stored]
    # One of them changes meanwhile: the batch must not commit any of its changes.
    fav, _ = ops.set_favorite(stored[1].referral, SetFavorite(favorite=True), NOW)
    ctx.referrals.update(Change(stored[1], fav))
    changes = [Change(s, r, ev) for s, (r, ev) in zip(stored, decided, strict=True)]
    with pytest.raises(ConcurrencyConflict):
        ctx.referrals.update_many(changes)
    assert [ctx.referrals.get(partner, s.referral.id).referral.substatus.value
            for s in stored] == ["Received"] * 3
    assert all(ctx.outbox.get(partner, d) is None for _, ev in decided
               for d in delivery_ids(ev[0]))
    # Without the stale one, the others commit together, each with its outbox row.
    saved = ctx.referrals.update_many([changes[0], changes[2]])
    assert [s.referral.substatus.value for s in saved] == ["Declined", "Declined"]
    assert saved[0].etag == ctx.referrals.get(partner, stored[0].referral.id).etag
    assert ctx.outbox.get(partner, delivery_ids(decided[2][1][0])[0]) is not None


def test_history_rows_commit_with_their_change_and_page_oldest_first(ctx: Context, partner: str):
    from shared.domain import history

    referral, events = make(partner)
    actor = history.Actor(id="u1", name="Ursula")
    first = history.entry(None, referral, history.HistoryAction.RECEIVED, actor, NOW)
    stored = ctx.referrals.add(referral, events, first)
    entries = []
    for i in range(3):
        fav, _ = ops.set_favorite(stored.referral, SetFavorite(favorite=i % 2 == 0), NOW)
        at = NOW + timedelta(seconds=i + 1)
        entry = history.entry(stored.referral, fav, history.HistoryAction.FAVORITED, actor, at)
        stored = ctx.referrals.update(Change(stored, fav, (), entry))
        entries.append(entry)
    lost = history.entry(stored.referral, stored.referral, history.HistoryAction.EDITED, actor,
                         NOW + timedelta(hours=1))
    with pytest.raises(ConcurrencyConflict):  # a stale change takes its entry down with it
        ctx.referrals.update(Change(Stored(stored.referral, 'W/"stale"'), stored.referral, (),
                                    lost))
    page, cursor = ctx.referrals.history_page(partner, referral.id, None, 3)
    assert page == [first, *entries[:2]] and cursor
    rest, end = ctx.referrals.history_page(partner, referral.id, cursor, 3)
    assert rest == entries[2:] and end is None
