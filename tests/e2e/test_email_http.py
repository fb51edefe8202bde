"""E-mail alerts end to end: devhost sends them over SMTP to a real server on 127.0.0.1
(aiosmtpd, tests/support/mailbox.py); every session devhost e-mails it (hosting.host_env).

Addresses carry the test's tenant, so the session-wide mailbox tells each test's mail apart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.azurite import Azurite
from tests.support.client import Api, send_referral
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import INTAKE, accept_body, intake_body, new_tenant, profile_body
from tests.support.hosting import DASHBOARD_URL, host_env
from tests.support.mailbox import Mailbox
from tests.support.webhooks import WebhookReceiver

pytestmark = pytest.mark.e2e


def contact(first: str, email: str) -> dict[str, str]:
    return {"firstName": first, "lastName": "Contact", "email": email}


def partner(base: str, locations: list[list[dict[str, str]]]) -> tuple[str, Api]:
    tenant = new_tenant()
    body = {**profile_body(), "locations": [
        {"name": f"Office {i}", "country": "NL", "contacts": people}
        for i, people in enumerate(locations)]}
    api = Api(base, tenant)
    assert api.call("PUT", "/profile", body).status_code == 200
    return tenant, api


def two_addresses(base: str) -> tuple[str, Api, str, str]:
    """Two locations, three contacts, one address twice (spelt differently): two addresses."""
    tenant = new_tenant()
    ada, bob = f"ada.{tenant[:8]}@contoso.example", f"bob.{tenant[:8]}@contoso.example"
    body = {**profile_body(), "locations": [
        {"name": "Amsterdam", "country": "NL", "contacts": [contact("Ada", ada),
                                                             contact("Bob", bob)]},
        {"name": "Utrecht", "country": "NL", "contacts": [contact("Ada", ada.upper())]}]}
    api = Api(base, tenant)
    assert api.call("PUT", "/profile", body).status_code == 200
    return tenant, api, ada, bob


def intake(base: str, tenant: str, name: str = "Fabrikam", **kw: Any) -> str:
    body = intake_body(tenant, **kw)
    body["customerProfile"]["name"] = name
    body["details"]["requirements"] = {"products": ["Azure", "Fabric"],
                                       "services": ["Migration"], "industries": ["Retail"]}
    resp = Api(base, "microsoft-systems", INTAKE).post("/referrals", body)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def email_log(api: Api, referral_id: str, **query: str) -> list[dict[str, Any]]:
    resp = api.get("/notifications", params={"top": "100", **query})
    assert resp.status_code == 200, resp.text
    return [n for n in resp.json()["value"]
            if n["destination"] == "email" and n["referralId"] == referral_id]


def wait_log(api: Api, referral_id: str, address: str, state: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows = [n for n in email_log(api, referral_id) if n["recipient"] == address]
        if rows and rows[0]["state"] == state:
            return rows[0]
        time.sleep(0.2)
    raise AssertionError(f"{address} never {state}: {email_log(api, referral_id)}")


def test_new_referral_emails_each_address_once_with_both_parts_and_the_link(devhost, mailbox):
    tenant, api, ada, bob = two_addresses(devhost.base)
    mailbox.script(bob, ["451 4.3.0 Try again later", "250 OK"])  # a forced retry for bob
    rid = intake(devhost.base, tenant, name="<script>alert(1)</script> & Co")
    [to_ada] = mailbox.wait_for(ada, "New referral")
    [to_bob] = mailbox.wait_for(bob, "New referral", timeout=30)
    wait_log(api, rid, bob, "delivered")
    time.sleep(1)  # nothing more arrives
    assert len(mailbox.received(ada)) == 1 and len(mailbox.received(bob)) == 1
    attempts = mailbox.received(bob, accepted_only=False)
    assert [m.reply[:3] for m in attempts] == ["451", "250"]
    assert attempts[0].message["Message-ID"] == attempts[1].message["Message-ID"]
    for mail, address in ((to_ada, ada), (to_bob, bob)):
        msg = mail.message
        assert msg["Subject"] == "New referral: <script>alert(1)</script> & Co"
        assert msg["From"] == "referrals@localhost" and msg["To"] == address
        event_id = msg["Message-ID"].removeprefix("<").split(".")[0]
        assert msg["Message-ID"].endswith("@referrals>")
        text, html = mail.part("plain"), mail.part("html")
        link = f"{DASHBOARD_URL}?referral={rid}"
        for part in (text, html):
            assert link in part and "Qualified lead" not in part and "Marketplace lead" in part
            assert "Azure, Fabric" in part and "Migration" in part and "Retail" in part
            assert " UTC" in part
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
        assert "Wants to move 40 VMs" not in text + html  # notes are not in the alert
    assert to_ada.message["Message-ID"] != to_bob.message["Message-ID"]
    rows = email_log(api, rid)
    assert sorted(r["recipient"] for r in rows) == sorted([ada, bob])
    assert {r["eventId"] for r in rows} == {event_id}
    assert {r["recipient"]: r["attempts"] for r in rows} == {ada: 1, bob: 2}


def test_550_is_permanent_failed_in_the_log_and_redelivered_with_the_same_message_id(
        devhost, mailbox):
    tenant, api, ada, bob = two_addresses(devhost.base)
    mailbox.script(bob, ["550 5.1.1 No such user"])
    rid = intake(devhost.base, tenant, qualification="SalesQualified")
    failed = wait_log(api, rid, bob, "failed")
    assert failed["attempts"] == 1 and "550" in failed["lastError"]
    assert [r["id"] for r in email_log(api, rid, state="failed")] == [failed["id"]]
    [to_ada] = mailbox.wait_for(ada, "New referral")  # the other address is not held back
    assert "Qualified lead" in to_ada.part("plain")
    [refused] = mailbox.received(bob, accepted_only=False)
    mailbox.script(bob, ["250 OK"])
    assert api.post(f"/notifications/{failed['id']}/redeliver").status_code == 202
    [again] = mailbox.wait_for(bob, "New referral")
    assert again.message["Message-ID"] == refused.message["Message-ID"]
    assert wait_log(api, rid, bob, "delivered")["attempts"] == 2
    assert len(mailbox.received(ada)) == 1


def test_recipients_are_capped_at_20_per_event(devhost, mailbox):
    """50 locations x 50 contacts fit a profile; each address is a delivery row in the
    intake's one transaction, so only the first 20 distinct addresses are e-mailed."""
    tag = new_tenant()[:8]
    locations = [[contact(f"P{i}{j}", f"p{i}.{j}.{tag}@contoso.example") for j in range(10)]
                 for i in range(3)]
    tenant, api = partner(devhost.base, locations)
    rid = intake(devhost.base, tenant)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(
            [r for r in email_log(api, rid) if r["state"] == "delivered"]) < 20:
        time.sleep(0.2)
    rows = email_log(api, rid)
    expected = [f"p{i}.{j}.{tag}@contoso.example" for i in range(3) for j in range(10)][:20]
    assert sorted(r["recipient"] for r in rows) == sorted(expected)
    assert {r["state"] for r in rows} == {"delivered"}
    assert not mailbox.received(f"p2.0.{tag}@contoso.example")


@pytest.fixture(scope="module")
def reminder_host(azurite: Azurite, webhooks: WebhookReceiver, mailbox: Mailbox,
                  log_dir: Path) -> Iterator[DevHost]:
    """A 10-second window with a 6-second reminder lead: due 4 seconds after arrival."""
    host = start_devhost(host_env(azurite, webhooks, REFERRAL_RESPONSE_WINDOW="PT10S",
                                  RESPONSE_REMINDER_BEFORE="PT6S"), log_dir)
    yield host
    host.stop()


def test_one_reminder_email_per_received_referral(reminder_host, mailbox):
    host = reminder_host
    tenant, api, ada, bob = two_addresses(host.base)
    arrived = time.monotonic()
    waiting = send_referral(host.base, tenant)["id"]
    accepted = send_referral(host.base, tenant)["id"]
    declined = send_referral(host.base, tenant)["id"]
    assert api.post(f"/referrals/{accepted}/accept", accept_body()).status_code == 200
    assert api.post(f"/referrals/{declined}/decline", {"reason": "NotAFit"}).status_code == 200
    time.sleep(max(0.0, arrived + 4.5 - time.monotonic()))  # 6 seconds or less are left
    assert host.invoke("send_reminders").status_code == 202
    assert host.invoke("send_reminders").status_code == 202  # twice: still one reminder
    for address in (ada, bob):
        [mail] = mailbox.wait_for(address, "Reminder")
        assert mail.message["Subject"] == "Reminder: Fabrikam, 1 hour left to respond"
        assert f"?referral={waiting}" in mail.part("plain")
    time.sleep(2)
    assert len(mailbox.received(ada, "Reminder")) == 1 and len(mailbox.received(bob, "Reminder")) == 1
    assert len(mailbox.received(ada, "New referral")) == 3
    reminded = [r for rid in (waiting, accepted, declined) for r in email_log(api, rid)
                if r["type"] == "referral.reminder"]
    assert {r["referralId"] for r in reminded} == {waiting} and len(reminded) == 2


INJECTED = ("=?utf-8?q?Contoso=0D=0AReply-To:_attacker@evil.example=0D=0A=0D=0A"
            "Your_account_is_suspended?=")


def test_a_customer_name_adds_no_header_and_no_body_to_the_alert(devhost, mailbox):
    """Issue 27: the intake from the attack, and names with odd line separators; what the
    SMTP server receives has our headers only, our body first, and each is delivered."""
    address = f"ada.{new_tenant()[:8]}@contoso.example"
    tenant, api = partner(devhost.base, [[contact("Ada", address)]])
    names = [INJECTED, "Contoso\u2028Reply-To: a@evil.example", "Contoso\u2029Two",
             "Contoso\x85Three"]
    ids = [intake(devhost.base, tenant, name=name) for name in names]
    got = mailbox.wait_for(address, "New referral", count=len(names))
    for rid in ids:
        assert wait_log(api, rid, address, "delivered")["attempts"] == 1
    for mail in got:
        assert mail.message["Reply-To"] is None and "\n" not in str(mail.message["Subject"])
        assert not any(line.lower().startswith(b"reply-to") for line in mail.raw.splitlines())
        assert mail.header_names() == ["from", "to", "subject", "message-id", "date",
                                       "auto-submitted", "mime-version", "content-type"]
        lines = mail.part("plain").splitlines()
        assert lines[:2] == ["You have a new referral.", ""] and lines[3] == "Kind: Marketplace lead"
    assert any(m.message["Subject"] == "New referral: Contoso Two" for m in got)
