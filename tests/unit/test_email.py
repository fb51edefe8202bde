"""E-mail alerts below the HTTP edge: who gets them (each address once, at most 20), what
they say (escaped HTML, no link without DASHBOARD_URL), how delivery records each answer
(the SMTP transport against a real aiosmtpd server), and the settings."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared.domain import operations as ops
from shared.domain.commands import IntakeRequest
from shared.domain.enums import EventType
from shared.domain.events import (
    MAX_EMAIL_RECIPIENTS,
    Destination,
    contact_addresses,
    make_event,
    with_contacts,
)
from shared.domain.models import Profile, ProfileInput
from shared.domain.operations import remind
from shared.notifications.delivery import Outcome, deliver
from shared.notifications.email_message import compose
from shared.notifications.mail import MailError, SmtpMailer
from shared.services import profiles
from shared.services import referrals as svc
from shared.settings import EmailMode, EmailSettings, Settings, SettingsError
from shared.storage.layout.deliveries import delivery_entities
from shared.storage.ports import MAX_BATCH_CHANGES, MAX_TRANSACTION_OPS, DeliveryState
from shared.storage.tables.index import derived_ops
from tests.support.factories import intake_body, profile_body
from tests.support.mailbox import Mailbox
from tests.support.memory_app import MemoryApp

BASE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
T0, WINDOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC), timedelta(days=14)


def profile(*locations: list[str | None]) -> Profile:
    return Profile.model_validate({"companyName": "Contoso", "locations": [
        {"name": f"L{i}", "country": "NL", "contacts": [
            {"firstName": "A", "lastName": "B", **({"email": e} if e else {})} for e in emails]}
        for i, emails in enumerate(locations)]})


def referral(name: str = "Fabrikam", partner: str = "p1") -> Any:
    body = intake_body(partner)
    body["customerProfile"]["name"] = name
    return ops.receive(IntakeRequest.model_validate_json(json.dumps(body)), "r1", T0, WINDOW)


def test_each_address_once_in_profile_order_case_insensitive_without_blanks():
    p = profile(["ada@x.example", None, "bob@x.example"], ["ADA@X.example", "cy@x.example"])
    assert contact_addresses(p) == ("ada@x.example", "bob@x.example", "cy@x.example")
    assert contact_addresses(None) == ()


def test_at_most_20_addresses_and_they_fit_the_transactions():
    """50 locations x 50 contacts is a valid profile; each address is a delivery row in the
    change's transaction (with the event's row in the referral's delivery list), and a sweep
    writes MAX_BATCH_CHANGES reminders in one."""
    p = profile(*[[f"c{i}.{j}@x.example" for j in range(50)] for i in range(50)])
    addresses = contact_addresses(p)
    assert len(addresses) == MAX_EMAIL_RECIPIENTS == 20
    assert addresses[:2] == ("c0.0@x.example", "c0.1@x.example")
    received, events = referral()
    reminded, reminder = remind(received, received.expiration_date_time - timedelta(hours=1),
                                timedelta(hours=48))
    [event] = with_contacts(reminder, addresses)
    one = 1 + len(delivery_entities(event)) + len(derived_ops(received, reminded))
    assert MAX_BATCH_CHANGES * one <= MAX_TRANSACTION_OPS
    [intake] = with_contacts(events, addresses)
    assert 1 + len(delivery_entities(intake)) + len(derived_ops(None, received)) + 1 \
        <= MAX_TRANSACTION_OPS  # + its history entry


def test_only_received_and_reminder_are_emailed():
    received, _ = referral()
    events = [make_event(t, received, received.created_date_time) for t in EventType
              if t is not EventType.TEST]
    emailed = {e.type for e in with_contacts(events, ["ada@x.example"])
               if any(r.destination is Destination.EMAIL for r in e.recipients)}
    assert emailed == {EventType.RECEIVED, EventType.REMINDER}
    [event] = with_contacts(events[:1], ["ada@x.example", "bob@x.example"])
    keys = [r.key for r in event.recipients]
    assert len(set(keys)) == 3 and all(len(k) <= 64 for k in keys)


def test_html_is_escaped_and_the_link_only_with_a_dashboard_url():
    received, [event] = referral(name='<script>alert("x")</script>')
    mail = compose(event, "ada@x.example", received, "r@x.example", None)
    assert mail.subject == 'New referral: <script>alert("x")</script>'
    assert "<script>" not in mail.html and "&lt;script&gt;" in mail.html
    assert "?referral=" not in mail.text + mail.html
    assert "Respond by: 2026-11-16 09:00 UTC" in mail.text
    linked = compose(event, "ada@x.example", received, "r@x.example", "https://x.example/ui")
    assert "https://x.example/ui?referral=r1" in linked.text
    assert 'href="https://x.example/ui?referral=r1"' in linked.html
    assert linked.message_id == compose(event, "ADA@x.example", received, "r", None).message_id


def test_reminder_subject_counts_hours_left():
    received, _ = referral()
    reminded, [event] = remind(received, received.expiration_date_time - timedelta(
        hours=47, minutes=10), timedelta(hours=48))
    mail = compose(event, "ada@x.example", reminded, "r@x.example", None)
    assert mail.subject == "Reminder: Fabrikam, 48 hours left to respond"


@pytest.fixture
def app() -> MemoryApp:
    a = MemoryApp()
    profiles.put_profile(a.ctx, "p1", ProfileInput.model_validate_json(
        json.dumps(profile_body())))
    return a


def email_row(app: MemoryApp) -> tuple[str, str]:
    svc.intake(app.ctx, IntakeRequest.model_validate_json(json.dumps(intake_body("p1"))))
    return next(m for m in app.store.sent
                if app.ctx.outbox.get(*m).recipient.destination is Destination.EMAIL)


def test_email_off_is_undeliverable_saying_so(app):
    message = email_row(app)
    assert deliver(app.ctx, lambda s: {}, *message) is Outcome.UNDELIVERABLE
    row = app.ctx.outbox.get(*message)
    assert "EMAIL_MODE is off" in row.last_error and row.recipient_label == "ada@contoso.example"


class Refusing:
    def __init__(self, error: MailError) -> None:
        self.error = error

    def send(self, mail):
        raise self.error


def test_transient_is_retried_permanent_is_failed(app):
    app.settings = replace(app.settings, email=EmailSettings(EmailMode.SMTP, "r@x.example",
                                                            "127.0.0.1"))
    message = email_row(app)
    assert deliver(app.ctx, lambda s: {}, *message, mailer=Refusing(MailError(
        "451", retry=True))) is Outcome.RETRYING
    assert app.ctx.outbox.get(*message).state is DeliveryState.PENDING
    assert deliver(app.ctx, lambda s: {}, *message, mailer=Refusing(MailError(
        "SMTP 550 no (permanent)", retry=False))) is Outcome.FAILED
    row = app.ctx.outbox.get(*message)
    assert (row.state, row.attempts, row.last_error) == (DeliveryState.FAILED, 2,
                                                         "SMTP 550 no (permanent)")


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox()
    yield box
    box.stop()


@pytest.mark.parametrize(("reply", "retry"), [("451 4.3.0 later", True),
                                              ("421 4.7.0 closing", True),
                                              ("550 5.1.1 unknown", False)])
def test_smtp_replies_map_to_retry_or_permanent(mailbox, reply, retry):
    received, [event] = referral()
    address = f"{reply[:3]}@x.example"
    mailbox.script(address, [reply])
    with pytest.raises(MailError) as err:
        SmtpMailer("127.0.0.1", mailbox.port).send(compose(event, address, received,
                                                           "r@x.example", None))
    assert err.value.retry is retry and reply[:3] in str(err.value)


def test_smtp_250_and_a_closed_port(mailbox):
    received, [event] = referral()
    SmtpMailer("127.0.0.1", mailbox.port).send(compose(event, "ok@x.example", received,
                                                       "r@x.example", None))
    [got] = mailbox.received("ok@x.example")
    assert got.message["Auto-Submitted"] == "auto-generated" and got.part("html")
    from tests.support.azurite import free_port

    with pytest.raises(MailError) as err:
        SmtpMailer("127.0.0.1", free_port()).send(compose(event, "ok@x.example", received,
                                                          "r@x.example", None))
    assert err.value.retry


@pytest.mark.parametrize("env", [
    {"EMAIL_MODE": "smpt"}, {"EMAIL_MODE": "smtp", "SMTP_HOST": "relay"},
    {"EMAIL_MODE": "smtp", "EMAIL_SENDER": "r@x.example"},
    {"EMAIL_MODE": "acs", "EMAIL_SENDER": "r@x.example", "ACS_EMAIL_ENDPOINT": "http://x"},
    {"SMTP_PORT": "0"}, {"SMTP_STARTTLS": "maybe"}, {"DASHBOARD_URL": "javascript:alert(1)"},
])
def test_bad_email_settings_stop_the_app_naming_the_setting(env):
    with pytest.raises(SettingsError, match=next(iter(env)) if len(env) == 1 else "EMAIL|SMTP"):
        Settings.from_env({**BASE, **env})


def test_email_settings_defaults_and_smtp():
    assert Settings.from_env(BASE).email == EmailSettings()
    cfg = Settings.from_env({**BASE, "EMAIL_MODE": "SMTP", "EMAIL_SENDER": "r@x.example",
                             "SMTP_HOST": "relay", "SMTP_PORT": "587", "SMTP_STARTTLS": "on",
                             "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p"}).email
    assert (cfg.mode, cfg.smtp_port, cfg.smtp_starttls, cfg.dashboard_url) == (
        EmailMode.SMTP, 587, True, None)
