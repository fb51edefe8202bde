"""The marketplace use cases over the in-memory stores: the lead URL's life (create, rotate,
revoke) and what a lead becomes (a referral with its origin, a test lead, a retry)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.domain.enums import EventType
from shared.domain.errors import NotConfigured, NotFound, ProfileRequired
from shared.domain.models import Profile
from shared.domain.sources import Source
from shared.marketplace import service
from shared.marketplace.keys import LEADS_PATH
from shared.marketplace.lead import LeadRefused
from tests.support.factories import profile_body
from tests.support.memory_app import MemoryApp

from .documented import CAMEL_CASE_LEAD, HTTPS_SAMPLE, TEST_LEAD

PARTNER = "5f0c6a52-94a0-4d4b-9a53-2a5c0a6e0b11"
BASE = "https://referrals.contoso.example"


@pytest.fixture
def app() -> MemoryApp:
    a = MemoryApp()
    a.settings = replace(a.settings, public_base_url=BASE)
    a.ctx.profiles.put(PARTNER, Profile.model_validate_json(json.dumps(profile_body())))
    return a


def _key(url: str) -> str:
    assert url.startswith(BASE + LEADS_PATH)
    return url.removeprefix(BASE + LEADS_PATH)


def _send(app: MemoryApp, key: str, body: bytes) -> service.Received:
    return service.receive(app.ctx, service.verify(app.ctx, key), body)


def test_a_lead_becomes_a_marketplace_referral_with_its_alert(app):
    key = _key(service.create_endpoint(app.ctx, PARTNER))
    got = _send(app, key, CAMEL_CASE_LEAD)
    assert got.created and not got.test
    stored = app.ctx.referrals.get(PARTNER, got.referral_id)
    r = stored.referral
    assert r.source is Source.MARKETPLACE and r.customer_profile.name == "Microsoft"
    assert r.marketplace is not None and r.marketplace.offer_id == (
        "checkpoint.check-point-r77-10sg-byol")
    assert r.details.customer_requested_contact and not r.do_not_contact
    assert r.fit is not None and r.expiration_date_time is not None
    deliveries = [d for d in app.store.outbox.values() if d.event.referral_id == r.id]
    assert {d.event.type for d in deliveries} == {EventType.RECEIVED}
    assert "ada@contoso.example" in {d.recipient.address for d in deliveries}
    assert app.ctx.marketplace.get(PARTNER).last_lead == app.clock.now


def test_a_retry_of_the_same_body_is_the_same_lead(app):
    key = _key(service.create_endpoint(app.ctx, PARTNER))
    first = _send(app, key, HTTPS_SAMPLE)
    app.clock.advance(hours=23)
    again = _send(app, key, HTTPS_SAMPLE)
    assert again.referral_id == first.referral_id and not again.created
    assert len({d.event.id for d in app.store.outbox.values()}) == 1  # no second alert
    other = _send(app, key, HTTPS_SAMPLE.replace(b"Some", b"Another"))
    assert other.created and other.referral_id != first.referral_id


def test_the_test_lead_creates_nothing_and_is_recorded(app):
    key = _key(service.create_endpoint(app.ctx, PARTNER))
    got = _send(app, key, TEST_LEAD)
    assert got.test and got.referral_id is None
    assert not app.store.outbox
    status = app.ctx.marketplace.get(PARTNER)
    assert status.last_test_lead == app.clock.now and status.last_lead is None


def test_the_last_lead_is_recorded_to_the_minute_not_once_per_lead(app):
    """A campaign's burst writes the endpoint's record about once a minute, not per lead."""
    key = _key(service.create_endpoint(app.ctx, PARTNER))
    first = app.clock.now
    _send(app, key, HTTPS_SAMPLE)
    app.clock.advance(seconds=30)
    _send(app, key, HTTPS_SAMPLE.replace(b"Some", b"Second"))
    assert app.ctx.marketplace.get(PARTNER).last_lead == first  # 30 s later: not rewritten
    app.clock.advance(seconds=31)
    _send(app, key, HTTPS_SAMPLE.replace(b"Some", b"Third"))
    assert app.ctx.marketplace.get(PARTNER).last_lead == app.clock.now  # a minute on: it is


def test_rotation_stops_the_old_key_and_revocation_the_new(app):
    old = _key(service.create_endpoint(app.ctx, PARTNER))
    new = _key(service.create_endpoint(app.ctx, PARTNER))
    with pytest.raises(NotFound):
        service.verify(app.ctx, old)
    assert service.verify(app.ctx, new).partner_id == PARTNER
    service.revoke_endpoint(app.ctx, PARTNER)
    with pytest.raises(NotFound):
        service.verify(app.ctx, new)
    assert service.endpoint(app.ctx, PARTNER) is None


@pytest.mark.parametrize("key", ["", "x", "a" * 43, "../profile", "a" * 5000])
def test_unknown_keys_are_not_found(app, key):
    service.create_endpoint(app.ctx, PARTNER)
    with pytest.raises(NotFound):
        service.verify(app.ctx, key)


def test_each_partner_has_one_working_key(app):
    keys = [_key(service.create_endpoint(app.ctx, PARTNER)) for _ in range(3)]
    assert list(app.ctx.marketplace.keys.values()) == [PARTNER]
    assert service.verify(app.ctx, keys[-1]).partner_id == PARTNER


def test_a_bad_body_creates_nothing(app):
    key = _key(service.create_endpoint(app.ctx, PARTNER))
    for body in (b"[]", b'{"UserDetails": 5}', TEST_LEAD.replace(b",\n    \"Desc", b"\n \"Desc")):
        with pytest.raises(LeadRefused):
            _send(app, key, body)
    assert not app.store.outbox and app.ctx.marketplace.get(PARTNER).last_lead is None


def test_creating_needs_public_base_url_and_a_profile(app):
    with pytest.raises(ProfileRequired):
        service.create_endpoint(app.ctx, "another-partner")
    app.settings = replace(app.settings, public_base_url=None)
    with pytest.raises(NotConfigured):
        service.create_endpoint(app.ctx, PARTNER)


def test_dnc_is_stored_as_do_not_contact(app):
    key = _key(service.create_endpoint(app.ctx, PARTNER))
    body = json.dumps({"UserDetails": {"Company": "Fabrikam"},
                       "LeadSource": "SPZA-DNC|contoso.cloud-migration"}).encode()
    r = app.ctx.referrals.get(PARTNER, _send(app, key, body).referral_id).referral
    assert r.do_not_contact and r.marketplace.action == "DNC"
