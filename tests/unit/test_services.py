"""Use cases over the in-memory repositories."""

import json
import threading
from decimal import Decimal

import pytest

from shared.domain.commands import AcceptRequest, DeclineRequest, IntakeRequest, SetFavorite
from shared.domain.enums import Stage, Substatus
from shared.domain.errors import (
    InvalidTransition,
    NotFound,
    PreconditionFailed,
    ProfileRequired,
    RuleViolation,
)
from shared.domain.models import ProfileInput
from shared.services import insights, profiles
from shared.services import referrals as svc
from shared.storage.ports import Change, ConcurrencyConflict, DeliveryState, ListQuery, Stored
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import MemoryApp


def parse(model, body):
    return model.model_validate_json(json.dumps(body))


@pytest.fixture
def app() -> MemoryApp:
    a = MemoryApp()
    profiles.put_profile(a.ctx, "p1", parse(ProfileInput, profile_body()))
    return a


def new(app: MemoryApp, qualification: str = "Direct", partner: str = "p1"):
    return svc.intake(app.ctx, parse(IntakeRequest, intake_body(partner, qualification)))


def test_intake_requires_profile():
    a = MemoryApp()
    with pytest.raises(ProfileRequired):
        new(a, partner="nobody")
    assert a.store.referrals == {} and a.store.outbox == {}


def test_intake_writes_outbox_and_enqueues(app: MemoryApp):
    stored = new(app)
    # received: the partner's webhook and an e-mail to the profile's one contact
    rows = app.store.outbox
    assert sorted(r.recipient.destination.value for r in rows.values()) == ["email", "partner"]
    assert all(r.state is DeliveryState.PENDING and r.event.referral_id == stored.referral.id
               for r in rows.values())
    assert sorted(app.store.sent) == sorted(rows)


def test_intake_normalises_partner_id_case(app: MemoryApp):
    stored = new(app, partner="P1")
    assert stored.referral.partner_id == "p1"


def test_enqueue_failure_loses_nothing(app: MemoryApp):
    def broken(*_):
        raise ConnectionError("queue down")
    app.store.send = broken  # type: ignore[method-assign]
    stored = new(app)
    assert svc.get(app.ctx, "p1", stored.referral.id)
    assert [r.state for r in app.store.outbox.values()] == [DeliveryState.PENDING] * 2


def test_other_partner_sees_404(app: MemoryApp):
    stored = new(app)
    with pytest.raises(NotFound):
        svc.get(app.ctx, "p2", stored.referral.id)
    with pytest.raises(NotFound):
        svc.perform(app.ctx, "p2", stored.referral.id, parse(AcceptRequest, accept_body()))


def test_stale_if_match_is_412_and_changes_nothing(app: MemoryApp):
    stored = new(app)
    rid = stored.referral.id
    svc.perform(app.ctx, "p1", rid, SetFavorite(favorite=True))
    with pytest.raises(PreconditionFailed):
        svc.perform(app.ctx, "p1", rid, parse(AcceptRequest, accept_body()),
                    svc.Precondition(etags=frozenset({stored.etag})))
    assert svc.get(app.ctx, "p1", rid).referral.substatus is Substatus.RECEIVED


def test_lost_race_is_retried_on_fresh_data(app: MemoryApp):
    """A concurrent favorite lands between our read and write; accept retries and both stick."""
    stored = new(app)
    rid = stored.referral.id
    real_update = app.store.update
    raced = threading.Event()

    def update_after_someone_else(change):
        if not raced.is_set():
            raced.set()
            svc.perform(app.ctx, "p1", rid, SetFavorite(favorite=True))
        return real_update(change)

    app.store.update = update_after_someone_else  # type: ignore[method-assign]
    result = svc.perform(app.ctx, "p1", rid, parse(AcceptRequest, accept_body()))
    assert result.referral.favorite and result.referral.substatus is Substatus.ACCEPTED


def test_accept_then_decline_one_wins(app: MemoryApp):
    rid = new(app).referral.id
    svc.perform(app.ctx, "p1", rid, parse(AcceptRequest, accept_body()))
    with pytest.raises(InvalidTransition):
        svc.perform(app.ctx, "p1", rid, parse(DeclineRequest, {"reason": "NotAFit"}))


def test_update_with_wrong_etag_raises_conflict(app: MemoryApp):
    stored = new(app)
    with pytest.raises(ConcurrencyConflict):
        app.store.update(Change(Stored(stored.referral, 'W/"nope"'), stored.referral))


def test_listing_pages_views_and_stages(app: MemoryApp):
    ids = []
    for i in range(7):
        app.clock.advance(minutes=1)
        ids.append(new(app, "Direct" if i % 2 else "SalesQualified").referral.id)
    svc.perform(app.ctx, "p1", ids[0], parse(AcceptRequest, accept_body()))
    seen, token = [], None
    while True:
        page = svc.list_page(app.ctx, "p1", ListQuery(), 3, token)
        seen += [s.referral.id for s in page.items]
        token = page.continuation_token
        if not token:
            break
    assert seen == list(reversed(ids))
    market = svc.list_page(app.ctx, "p1", ListQuery(group="marketplace"), 50, None).items
    assert {s.referral.qualification.value for s in market} == {"Direct"}
    assert [s.referral.id for s in svc.list_page(
        app.ctx, "p1", ListQuery(stage=Stage.ACCEPTED), 50, None).items] == [ids[0]]


def test_token_from_another_query_is_refused(app: MemoryApp):
    for _ in range(3):
        app.clock.advance(seconds=1)
        new(app)
    token = svc.list_page(app.ctx, "p1", ListQuery(), 1, None).continuation_token
    assert token
    with pytest.raises(RuleViolation):
        svc.list_page(app.ctx, "p1", ListQuery(group="favorites"), 1, token)
    with pytest.raises(RuleViolation):
        svc.list_page(app.ctx, "p1", ListQuery(), 1, token[:-3] + "abc")


def test_insights(app: MemoryApp):
    a, b, c, d = (new(app).referral.id for _ in range(4))
    app.clock.advance(hours=2)
    svc.perform(app.ctx, "p1", a, parse(AcceptRequest, accept_body()))
    svc.perform(app.ctx, "p1", b, parse(AcceptRequest, accept_body()))
    app.clock.advance(hours=2)
    svc.perform(app.ctx, "p1", c, parse(DeclineRequest, {"reason": "NotAFit"}))
    from shared.domain.commands import WinRequest
    svc.perform(app.ctx, "p1", b, WinRequest())
    figures = insights.insights(app.ctx, "p1")
    assert figures.counts == {"received": 1, "accepted": 1, "won": 1, "declined": 1,
                              "expired": 0, "lost": 0}
    assert figures.acceptance_rate == pytest.approx(2 / 3)
    assert figures.decline_reasons == {"NotAFit": 1}
    assert figures.win_rate == 1.0 and figures.median_response_hours == 2.0
    assert figures.open_pipeline == {"EUR": Decimal("25000.5")}
    assert d
