"""What a customer types never becomes a header of the alert (issue 27, items 1, 2 and 6).

The customer's name is in the subject. An RFC 2047 encoded word that decodes to CR/LF
(CVE-2024-6923), a raw line break, or U+0085/U+2028/U+2029 must neither add a header (a
Reply-To, a body above ours) nor stop the alert; a message that cannot be built is a
permanent ``failed`` delivery with its reason. Checked on what a real SMTP server receives."""

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.domain.commands import IntakeRequest
from shared.domain.events import Destination
from shared.domain.models import ProfileInput
from shared.email_settings import EmailMode, EmailSettings
from shared.notifications.delivery import Outcome, deliver
from shared.notifications.email_message import STRICT, Mail
from shared.notifications.mail import MailError, SmtpMailer
from shared.services import profiles
from shared.services import referrals as svc
from shared.storage.ports import DeliveryState
from tests.support.factories import intake_body, profile_body
from tests.support.mailbox import Mailbox, Received
from tests.support.memory_app import MemoryApp

ATTACK = ("=?utf-8?q?Contoso=0D=0AReply-To:_attacker@evil.example=0D=0A=0D=0A"
          "Your_account_is_suspended?=")
ATTACKS = [
    ATTACK,
    "=?utf-8?b?Q29udG9zbw0KUmVwbHktVG86IGF0dGFja2VyQGV2aWwuZXhhbXBsZQ0KDQpZb3VyIGFjY291bnQ=?=",
    "=?UTF-8?Q?Contoso=0AReply-To:_attacker@evil.example?= Zoë",  # and a non-ASCII tail
    "Contoso\r\nReply-To: attacker@evil.example\r\n\r\nYour account is suspended",
]
HEADERS = ["from", "to", "subject", "message-id", "date", "auto-submitted", "mime-version",
           "content-type"]


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.stop()


def smtp_app(mailbox: Mailbox, name: str, address: str) -> tuple[MemoryApp, tuple[str, str]]:
    """An app in SMTP mode whose partner has one contact, and the e-mail delivery of an
    intake for customer ``name``."""
    app = MemoryApp()
    app.settings = replace(app.settings, email=EmailSettings(
        EmailMode.SMTP, "referrals@localhost", "127.0.0.1", mailbox.port))
    body = profile_body()
    body["locations"][0]["contacts"] = [{"firstName": "A", "lastName": "B", "email": address}]
    profiles.put_profile(app.ctx, "p1", ProfileInput.model_validate_json(json.dumps(body)))
    intake = intake_body("p1")
    intake["customerProfile"]["name"] = name
    svc.intake(app.ctx, IntakeRequest.model_validate_json(json.dumps(intake)))
    return app, next(m for m in app.store.sent
                     if app.ctx.outbox.get(*m).recipient.destination is Destination.EMAIL)


def assert_one_clean_alert(got: Received) -> None:
    assert got.header_names() == HEADERS
    assert got.message["Reply-To"] is None
    assert not any(line.lower().startswith(b"reply-to") for line in got.raw.splitlines())
    lines = got.part("plain").splitlines()  # ours first: no attacker block above it
    assert lines[:2] == ["You have a new referral.", ""] and lines[2].startswith("Customer: ")
    assert lines[3] == "Kind: Marketplace lead"  # the name kept to its one line
    assert b"suspended" not in got.raw.split(b"\r\n\r\n", 1)[1].split(b"Customer")[0]
    assert "\r" not in str(got.message["Subject"]) and "\n" not in str(got.message["Subject"])


@pytest.mark.parametrize("name", ATTACKS)
def test_a_name_that_decodes_to_headers_adds_none(mailbox, name):
    address = f"inject{ATTACKS.index(name)}@x.example"
    app, message = smtp_app(mailbox, name, address)
    assert deliver(app.ctx, lambda s: {}, *message, mailer=SmtpMailer(
        "127.0.0.1", mailbox.port)) is Outcome.DELIVERED
    [got] = mailbox.received(address)
    assert_one_clean_alert(got)
    assert str(got.message["Subject"]).startswith("New referral: ")
    assert "=?" not in str(got.message["Subject"])  # nothing left a reader would decode


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\x0b", "\x1c"])
def test_odd_line_separators_are_delivered_on_one_line(mailbox, separator):
    address = f"sep{ord(separator)}@x.example"
    app, message = smtp_app(mailbox, f"Contoso{separator}Reply-To: a@evil.example", address)
    assert deliver(app.ctx, lambda s: {}, *message, mailer=SmtpMailer(
        "127.0.0.1", mailbox.port)) is Outcome.DELIVERED
    assert app.ctx.outbox.get(*message).state is DeliveryState.DELIVERED
    [got] = mailbox.received(address)
    assert_one_clean_alert(got)
    assert got.message["Subject"] == "New referral: Contoso Reply-To: a@evil.example"
    assert "Customer: Contoso Reply-To: a@evil.example" in got.part("plain").splitlines()


def test_the_policy_refuses_a_header_that_would_span_lines():
    """Whatever the interpreter: a decoded CR/LF written back out is refused, not sent."""
    from email.message import EmailMessage

    msg = EmailMessage(policy=STRICT)
    msg["Subject"] = ATTACK
    with pytest.raises(ValueError, match="Subject"):
        msg.as_bytes()
    with pytest.raises(ValueError, match="Subject"):
        msg.as_string()


@pytest.mark.parametrize("to", ["a\x00b@x.example", "a\x1fb@x.example", "a\x7fb@x.example",
                                "a@x.example\r\nBcc: c@x.example"])
def test_an_address_with_control_characters_is_a_permanent_failure(mailbox, to):
    mail = Mail("referrals@localhost", to, "New referral: X", "t\n", "<p>h</p>",
                "<e.h@referrals>", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(MailError) as err:
        SmtpMailer("127.0.0.1", mailbox.port).send(mail)
    assert not err.value.retry and "cannot be built" in str(err.value)
    assert not [m for m in mailbox.messages if "c@x.example" in m.to or to in m.to]


class Unbuildable:
    def send(self, mail: Mail) -> None:
        raise ValueError("Header values may not contain linefeed or carriage return characters")


def test_a_message_that_cannot_be_built_is_failed_with_the_reason_never_pending(mailbox):
    app, message = smtp_app(mailbox, "Contoso", "unbuildable@x.example")
    assert deliver(app.ctx, lambda s: {}, *message, mailer=Unbuildable()) is Outcome.FAILED
    row = app.ctx.outbox.get(*message)
    assert (row.state, row.attempts) == (DeliveryState.FAILED, 1)
    assert row.last_error.startswith("the message cannot be built: Header values")
    assert app.store.poisoned == [] and len(app.store.sent) == 2  # not queued again


@pytest.mark.parametrize("email", ["a\x00b@x.example", "a\x1fb@x.example", "a\x7fb@x.example",
                                   "a\x85b@x.example", "a\u2028b@x.example"])
def test_contact_addresses_with_control_characters_are_refused(email):
    body = profile_body()
    body["locations"][0]["contacts"] = [{"firstName": "A", "lastName": "B", "email": email}]
    with pytest.raises(ValidationError, match="email"):
        ProfileInput.model_validate_json(json.dumps(body))
    body["locations"][0]["contacts"][0]["email"] = "jörg.b+alerts@x.example"  # still fine
    ProfileInput.model_validate_json(json.dumps(body))
