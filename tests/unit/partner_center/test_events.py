"""The event body (shared/partner_center/events.py): the referral id comes from the last
segment of ResourceUri and must be a GUID; other events are told apart."""

import json
from datetime import UTC, datetime

import pytest

from shared.partner_center.api.errors import EventMalformed, UnsupportedEvent
from shared.partner_center.api.events import parse_event

RID = "4111FFFC-F9EE-4D53-BBA6-569135228642"


def _body(**fields):
    event = {"EventName": "referral-created",
             "ResourceUri": f"https://api.partner.microsoft.com/v1.0/engagements/referrals/{RID}",
             "ResourceName": "referral", "AuditUri": None,
             "ResourceChangeUtcDate": "2026-11-02T08:59:00.1234567+00:00", **fields}
    return json.dumps(event).encode()


def test_a_referral_event_gives_its_name_canonical_id_and_time():
    event = parse_event(_body())
    assert (event.name, event.referral_id) == ("referral-created", RID.lower())
    assert event.changed_at == datetime(2026, 11, 2, 8, 59, 0, 123456, tzinfo=UTC)
    assert parse_event(_body(EventName="referral-updated")).name == "referral-updated"


@pytest.mark.parametrize("uri", [
    "https://api.partner.microsoft.com/v1.0/engagements/referrals/",
    "https://api.partner.microsoft.com/v1.0/engagements/referrals/not-a-guid",
    f"https://api.partner.microsoft.com/v1.0/engagements/referrals/{RID}/extra",
    f"https://api.partner.microsoft.com/v1.0/engagements/referrals/{{{RID}}}",
    None,
])
def test_a_resource_uri_not_ending_in_a_guid_is_malformed(uri):
    with pytest.raises(EventMalformed) as caught:
        parse_event(_body(ResourceUri=uri))
    assert not isinstance(caught.value, UnsupportedEvent)


def test_other_event_kinds_are_named_apart():
    with pytest.raises(UnsupportedEvent) as caught:
        parse_event(_body(EventName="test-created"))
    assert caught.value.event_name == "test-created"


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"ResourceUri": "x"}', b"\xff\xfe"])
def test_a_body_that_is_not_an_event_is_malformed(body):
    with pytest.raises(EventMalformed):
        parse_event(body)


def test_an_unreadable_change_date_is_none_not_an_error():
    assert parse_event(_body(ResourceChangeUtcDate="yesterday")).changed_at is None
