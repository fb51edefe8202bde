from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from shared.domain import operations as ops
from shared.domain.commands import (
    AcceptRequest,
    AddTeamMember,
    DeclineRequest,
    EditRequest,
    IntakeRequest,
    LoseRequest,
    SetFavorite,
    WinRequest,
)
from shared.domain.enums import ContactAlert, EventType, Substatus
from shared.domain.errors import InvalidTransition, ReferralExpired, RuleViolation
from shared.domain.events import Destination
from shared.domain.models import TeamMember
from tests.support.factories import accept_body, intake_body, member_body

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(days=14)


def received(contact_me: bool = True, sender: str = "msft"):
    cmd = IntakeRequest.model_validate_json(_json(intake_body("p1", contact_me=contact_me, sender=sender)))
    referral, events = ops.receive(cmd, "r1", T0, WINDOW)
    return referral, events


def accepted():
    r, _ = received()
    r, _ = ops.accept(r, AcceptRequest.model_validate_json(_json(accept_body())), T0)
    return r


def _json(body) -> str:
    import json
    return json.dumps(body)


def test_receive_sets_window_and_raises_received_event_for_partner():
    r, events = received()
    assert r.expiration_date_time == T0 + WINDOW
    assert [e.type for e in events] == [EventType.RECEIVED]
    assert [d.destination for d in events[0].recipients] == [Destination.PARTNER]
    assert events[0].referral_id == r.id


def test_accept_fills_deal_and_clears_expiry():
    r = accepted()
    assert r.substatus is Substatus.ACCEPTED
    assert r.details.deal_value == Decimal("25000.5") and r.details.currency == "EUR"
    assert r.expiration_date_time is None and r.accepted_date_time == T0
    assert r.external_reference_id == "CRM-42" and len(r.team) == 1


def test_accept_after_window_is_refused_even_without_sweep():
    r, _ = received()
    cmd = AcceptRequest.model_validate_json(_json(accept_body()))
    with pytest.raises(ReferralExpired):
        ops.accept(r, cmd, T0 + WINDOW)
    with pytest.raises(ReferralExpired):
        ops.decline(r, DeclineRequest.model_validate_json('{"reason": "NotAFit"}'), T0 + WINDOW + timedelta(seconds=1))


def test_accept_just_inside_window_succeeds():
    r, _ = received()
    cmd = AcceptRequest.model_validate_json(_json(accept_body()))
    assert ops.accept(r, cmd, T0 + WINDOW - timedelta(seconds=1))[0].substatus is Substatus.ACCEPTED


def test_closing_date_in_past_is_refused():
    r, _ = received()
    cmd = AcceptRequest.model_validate_json(_json(accept_body(closing="2026-11-01")))
    with pytest.raises(RuleViolation) as err:
        ops.accept(r, cmd, T0)
    assert err.value.problems[0].field == "closing_date"


def test_decline_other_requires_notes():
    with pytest.raises(ValidationError):
        DeclineRequest.model_validate_json('{"reason": "Other"}')
    assert DeclineRequest.model_validate_json('{"reason": "Other", "notes": "x"}').notes == "x"


def test_decline_archives_and_tells_the_customer():
    r, _ = received()
    r2, events = ops.decline(r, DeclineRequest.model_validate_json('{"reason": "NotAFit", "notes": "too small"}'), T0)
    assert (r2.substatus, r2.status_reason, r2.closing_notes) == (
        Substatus.DECLINED, "NotAFit", "too small")
    assert events[0].type is EventType.DECLINED
    assert [d.destination for d in events[0].recipients] == [Destination.PARTNER,
                                                             Destination.CUSTOMER]


def test_expire_goes_to_sender():
    r, _ = received(sender="a-referring-partner")
    r2, events = ops.expire(r, T0 + WINDOW)
    assert r2.substatus is Substatus.EXPIRED
    partner, sender = events[0].recipients
    assert (partner.destination, partner.partner_id) == (Destination.PARTNER, r.partner_id)
    assert (sender.destination, sender.partner_id) == (Destination.SENDER,
                                                       "a-referring-partner")
    r3, _ = received(sender="msft")
    assert [d.destination for d in ops.expire(r3, T0 + WINDOW)[1][0].recipients] == [
        Destination.PARTNER, Destination.MICROSOFT]


def test_expire_before_window_is_not_allowed():
    r, _ = received()
    with pytest.raises(ValueError):
        ops.expire(r, T0 + WINDOW - timedelta(seconds=1))


def test_edit_changes_only_given_fields_and_refuses_clearing_required():
    r = accepted()
    r2, _ = ops.edit(r, EditRequest.model_validate_json('{"dealValue": 10, "campaignId": null}'),
                     T0)
    assert r2.details.deal_value == 10 and r2.campaign_id is None
    assert r2.name == r.name and r2.details.currency == "EUR"
    with pytest.raises(ValidationError) as err:
        EditRequest.model_validate_json('{"name": null, "dealValue": null}')
    assert [e["loc"] for e in err.value.errors()] == [("name",), ("dealValue",)]


def test_team_member_added_once_per_email():
    r = accepted()
    m = TeamMember.model_validate_json(_json(member_body()))
    r2, _ = ops.add_team_member(r, AddTeamMember(member=m), T0)
    r3, _ = ops.add_team_member(r2, AddTeamMember(member=m), T0)
    assert len(r2.team) == 2 and len(r3.team) == 2


def test_win_and_lose_report_to_microsoft():
    r = accepted()
    won, ev = ops.win(r, WinRequest(notes="signed"), T0)
    assert won.substatus is Substatus.WON
    assert [d.destination for d in ev[0].recipients] == [Destination.PARTNER,
                                                         Destination.MICROSOFT]
    lost, ev = ops.lose(r, LoseRequest.model_validate_json('{"reason": "NoBudget"}'), T0)
    assert (lost.substatus, lost.status_reason) == (Substatus.LOST, "NoBudget")
    assert ev[0].type is EventType.LOST
    with pytest.raises(InvalidTransition):
        ops.win(won, WinRequest(), T0)


def test_received_cannot_be_edited_or_won():
    r, _ = received()
    with pytest.raises(InvalidTransition):
        ops.edit(r, EditRequest(name="x"), T0)
    with pytest.raises(InvalidTransition):
        ops.win(r, WinRequest(), T0)


def test_favorite_is_idempotent_and_allowed_when_archived():
    r, _ = received()
    fav, _ = ops.set_favorite(r, SetFavorite(favorite=True), T0)
    assert fav.favorite and ops.set_favorite(fav, SetFavorite(favorite=True), T0)[0] is fav
    closed, _ = ops.decline(fav, DeclineRequest.model_validate_json('{"reason": "NotAFit"}'), T0)
    assert not ops.set_favorite(closed, SetFavorite(favorite=False), T0)[0].favorite


@pytest.mark.parametrize("hours,alert", [(0, ContactAlert.URGENT), (71.9, ContactAlert.URGENT),
                                         (72, ContactAlert.REMINDER), (300, ContactAlert.REMINDER)])
def test_contact_alert_urgent_then_reminder(hours, alert):
    r, _ = received(contact_me=True)
    assert ops.contact_alert(r, T0 + timedelta(hours=hours), timedelta(hours=72)) is alert


def test_contact_alert_none_when_not_requested_or_archived():
    r, _ = received(contact_me=False)
    assert ops.contact_alert(r, T0, timedelta(hours=72)) is None
    r2, _ = received(contact_me=True)
    closed, _ = ops.decline(r2, DeclineRequest.model_validate_json('{"reason": "NotAFit"}'), T0)
    assert ops.contact_alert(closed, T0, timedelta(hours=72)) is None


@pytest.mark.parametrize("value,ok", [(0, True), (10.25, True), (10.255, False), (-1, False),
                                      ("10", False)])
def test_deal_value_rules(value, ok):
    body = {**accept_body(), "dealValue": value}
    if ok:
        assert AcceptRequest.model_validate_json(_json(body)).deal_value == Decimal(str(value))
    else:
        with pytest.raises(ValidationError):
            AcceptRequest.model_validate_json(_json(body))


def test_closing_date_parses_iso_date():
    assert AcceptRequest.model_validate_json(_json(accept_body())).closing_date == date(2099, 12, 31)
