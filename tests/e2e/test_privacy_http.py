"""Customer data end to end (contract section 11): a person who is everywhere the product
can keep one, erased over HTTP, then searched for in every entity of every table and every
message of every queue of the storage account.

The person is a customer contact of two referrals that arrived through the intake, a team
member added after one was accepted, and one of the partner's location contacts, who got
the e-mail alert; the partner's webhook got its events. Another organisation holds the
same person, and must keep them.

This module has its own Azurite and devhost: the scan must read every queue message, which
a queue allows only 32 at a time and only while no consumer holds one (storage_scan.py), and
the session's Azurite is busy with other tests' messages.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from azure.storage.queue import QueueClient

from tests.support.azurite import Azurite, start_azurite
from tests.support.client import Api, onboard
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import (
    INTAKE,
    PARTNER_ADMIN,
    accept_body,
    intake_body,
    new_tenant,
    profile_body,
)
from tests.support.hosting import host_env
from tests.support.mailbox import Mailbox
from tests.support.storage_scan import Place, holding, scan
from tests.support.webhooks import WebhookReceiver

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    email: str
    phone: str

    @classmethod
    def unique(cls, first: str, last: str) -> Person:
        """Values no other test of the session writes, so finding them means this test's."""
        tag = uuid.uuid4().hex[:8]
        digits = str(uuid.uuid4().int)[:7]
        return cls(f"{first}{tag}", f"{last}{tag}", f"{first.lower()}.{tag}@fabrikam.example",
                   f"+31 30 {digits[:3]} {digits[3:]}")

    def body(self) -> dict[str, str]:
        return {"firstName": self.first, "lastName": self.last, "email": self.email,
                "phoneNumber": self.phone}

    def traces(self) -> list[str]:
        """The address (any case: the scan compares lowercase), the phone as given and with
        its spaces taken out (in case something stores it compacted), and both names."""
        return [self.email, self.phone, self.phone.replace(" ", ""), self.first, self.last]


@dataclass
class World:
    base: str
    admin: Api
    other: Api
    person: Person
    kept: Person
    colleague: Person
    referrals: list[str]
    elsewhere: str  # the other organisation's referral holding the same person


@pytest.fixture(scope="module")
def own_storage(webhooks: WebhookReceiver, mailbox: Mailbox, log_dir: Path
                ) -> Iterator[tuple[Azurite, DevHost]]:
    azurite = start_azurite()
    host = start_devhost(host_env(azurite, webhooks), log_dir)
    try:
        yield azurite, host
    finally:
        host.stop()
        azurite.stop()


def _organisation(base: str, webhooks: WebhookReceiver, *contacts: Person) -> Api:
    tenant = new_tenant()
    api = onboard(base, tenant, webhook=webhooks.url(f"/partner/{tenant}"))
    profile = {**profile_body(webhooks.url(f"/partner/{tenant}")), "locations": [
        {"name": "Utrecht", "country": "NL", "contacts": [p.body() for p in contacts]}]}
    assert api.call("PUT", "/profile", profile).status_code == 200
    secret = api.post("/profile/webhook/secret")  # unsigned, a partner webhook is not sent
    assert secret.status_code == 200, secret.text
    webhooks.trust(f"/partner/{tenant}", secret.json()["secret"])
    return api


def _intake(base: str, tenant: str, *contacts: Person) -> str:
    body = intake_body(tenant)
    body["customerProfile"]["contacts"] = [p.body() for p in contacts]
    resp = Api(base, "microsoft-systems", INTAKE).post("/referrals", body)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def _build(base: str, webhooks: WebhookReceiver, mailbox: Mailbox) -> World:
    person, kept = Person.unique("Zeb", "Quill"), Person.unique("Kim", "Stay")
    colleague = Person.unique("Lin", "Office")
    admin = _organisation(base, webhooks, person, colleague)
    first = _intake(base, admin.tenant, person, kept)
    second = _intake(base, admin.tenant, person)
    assert admin.post(f"/referrals/{first}/accept", accept_body()).status_code == 200
    assert admin.post(f"/referrals/{first}/team", person.body()).status_code == 200
    assert admin.post(f"/referrals/{second}/decline", {"reason": "NotAFit"}).status_code == 200
    other = _organisation(base, webhooks, Person.unique("Ona", "Other"))
    elsewhere = _intake(base, other.tenant, person)
    for address in (person.email, colleague.email):
        mailbox.wait_for(address, "New referral", count=2)
    path = f"/partner/{admin.tenant}"
    webhooks.wait_for(path, "referral.received", count=2)
    webhooks.wait_for(path, "referral.updated", referral_id=first)
    webhooks.wait_for(path, "referral.declined", referral_id=second)
    return World(base, admin, other, person, kept, colleague, [first, second], elsewhere)


def _insights(api: Api) -> list[dict[str, Any]]:
    today = time.strftime("%Y-%m-%d", time.gmtime())
    answers = [api.get("/insights"), api.get("/insights", params={"from": today, "to": today})]
    assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
    return [r.json() for r in answers]


def _settled_insights(api: Api) -> list[dict[str, Any]]:
    """Insights once they show both answers (summaries are folded in the background)."""
    deadline = time.monotonic() + 20
    while (figures := _insights(api))[0]["declined"] < 1 or figures[0]["accepted"] < 1:
        assert time.monotonic() < deadline, figures
        time.sleep(0.3)
    return figures


def _not_elsewhere(found: dict[str, list[Place]], tenant: str) -> dict[str, list[str]]:
    """The places holding a value, leaving out the other organisation's own rows."""
    return {v: [f"{p.where} {p.key}" for p in places if tenant not in p.key]
            for v, places in found.items()}


def _erase(api: Api, email: str) -> dict[str, Any]:
    resp = api.post("/privacy/erasures", {"email": email})
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def _probe_queue(azurite: Azurite, text: str) -> QueueClient:
    """A message holding the person in a queue of its own: the scan must find it there."""
    queue = QueueClient.from_connection_string(azurite.connection_string, "scan-probe")
    queue.create_queue()
    queue.send_message(text)
    return queue


@pytest.fixture(scope="module")
def world(own_storage: tuple[Azurite, DevHost], webhooks: WebhookReceiver,
          mailbox: Mailbox) -> World:
    return _build(own_storage[1].base, webhooks, mailbox)


def _found_before(world: World, azurite: Azurite) -> None:
    """The scan can fail: before the erasure it finds every value in the organisation's own
    rows, and in a queue message (base64, as the app's queues are) when one holds it."""
    probe = _probe_queue(azurite, base64.b64encode(world.person.email.encode()).decode())
    try:
        found = holding(scan(azurite.connection_string), world.person.traces())
    finally:
        probe.delete_queue()
    p = world.person
    exact = [p.email, p.phone, p.first, p.last]  # the compacted phone is only a guard
    mine = {v: [p.key for p in found[v] if world.admin.tenant in p.key] for v in exact}
    assert all(mine.values()), mine
    assert [p.where for p in found[world.person.email] if p.where.startswith("queue")] == \
        ["queue scan-probe"]


def _the_rest(world: World) -> dict[str, Any]:
    """What must not change: the other people, the referrals' business data, insights, and
    the other organisation."""
    views = {rid: world.admin.get(f"/referrals/{rid}").json() for rid in world.referrals}
    business = {rid: {k: v.get(k) for k in ("status", "customerProfile", "dealValue",
                                            "closingDate", "name", "createdDateTime")}
                for rid, v in views.items()}
    for part in business.values():
        part["customerProfile"] = {**part["customerProfile"], "contacts": [
            c for c in part["customerProfile"]["contacts"]
            if c["email"] != world.person.email]}
    team = [m for m in views[world.referrals[0]]["team"] if m["email"] != world.person.email]
    return {"business": business, "team": team,
            "insights": _settled_insights(world.admin), "other": _other(world)}


def _other(world: World) -> dict[str, Any]:
    return {"referral": world.other.get(f"/referrals/{world.elsewhere}").json(),
            "insights": _insights(world.other),
            "held": world.other.get(f"/privacy/people/{world.person.email}").json()}


def test_an_erasure_leaves_no_trace_in_any_table_or_queue(own_storage, world):
    azurite, person = own_storage[0], world.person
    held = world.admin.get(f"/privacy/people/{person.email.upper()}")
    assert held.status_code == 200, held.text
    assert {r["id"] for r in held.json()["referrals"]} == set(world.referrals)
    assert "teamMemberAdded" in {e["action"] for e in held.json()["historyEntries"]}
    unchanged = _the_rest(world)
    assert unchanged["other"]["held"]["referrals"]  # the other organisation holds him too
    _found_before(world, azurite)

    done = _erase(world.admin, person.email.upper())
    # Each arrival's three delivery records (the webhook and two e-mails) list him as a
    # recipient of the event; the accept's and decline's records do not.
    assert (done["referrals"], done["deliveries"]) == (2, 6) and done["historyEntries"] >= 1

    found = holding(scan(azurite.connection_string), person.traces())
    assert _not_elsewhere(found, world.other.tenant) == {v: [] for v in person.traces()}
    assert found[person.email]  # the other organisation's own rows still hold him
    others = holding(scan(azurite.connection_string), world.kept.traces()[:2] +
                     world.colleague.traces()[:2])
    assert all(others.values()), others
    assert _the_rest(world) == unchanged
    assert world.admin.get(f"/privacy/people/{person.email}").json() == {
        "referrals": [], "historyEntries": []}
    log = world.admin.get("/notifications", params={"top": "100"}).text.lower()
    assert person.email not in log and world.colleague.email in log


def test_a_repeat_finds_nothing_and_the_log_keeps_no_address(own_storage, world):
    person = world.person
    first = _erase(world.admin, person.email)
    again = _erase(world.admin, person.email.title())
    assert [again[k] for k in ("referrals", "historyEntries", "deliveries")] == [0, 0, 0]
    resp = world.admin.get("/privacy/erasures")
    assert resp.status_code == 200 and person.email not in resp.text.lower()
    entries = resp.json()["value"]
    assert entries[0]["id"] == again["id"] and entries[1]["id"] == first["id"]
    digest = hashlib.sha256(person.email.lower().encode()).hexdigest()
    assert {e["subject"] for e in entries} == {digest}
    assert world.other.get("/privacy/erasures").json()["value"] == []


@pytest.mark.parametrize("role", ["Referrals.User", INTAKE])
def test_only_admins_may_look_up_or_erase(own_storage, world, role):
    other = Api(world.base, world.admin.tenant, role)
    calls = [other.get(f"/privacy/people/{world.kept.email}"), other.get("/privacy/erasures"),
             other.post("/privacy/erasures", {"email": world.kept.email})]
    assert [r.status_code for r in calls] == [403, 403, 403], [r.text for r in calls]
    assert world.admin.get(f"/privacy/people/{world.kept.email}").json()["referrals"]
    partner_admin = Api(world.base, world.admin.tenant, PARTNER_ADMIN)
    assert partner_admin.get("/privacy/erasures").status_code == 200


@pytest.mark.parametrize("body", [{}, {"email": "not-an-address"}, {"email": 5},
                                  {"email": "a@b.example", "also": 1}, "a@b.example", None])
def test_bad_bodies_are_400(own_storage, world, body):
    resp = world.admin.call("POST", "/privacy/erasures", data="{" if body is None else None,
                            json=body if body is not None else None)
    assert resp.status_code == 400, resp.text
    assert world.admin.get(f"/privacy/people/{world.kept.email}").json()["referrals"]


def test_a_lookup_of_something_that_is_not_an_address_is_400(own_storage, world):
    assert world.admin.get("/privacy/people/not-an-address").status_code == 400
