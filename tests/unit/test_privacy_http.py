"""Customer data (contract section 11) over the HTTP functions, on the in-memory store: the
lookup, the erasure and its log, who may call, bad input, and the retention run."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.privacy import retention
from shared.storage.layout.addresses import subject
from tests.support.factories import ADMIN, INTAKE, headers, intake_body, member_body
from tests.unit.test_users_and_history_http import Api

BO = ("bo@fabrikam.example", "+31 30 555 0199", "Bo", "Jansen")  # a customer contact
GRACE = ("grace@contoso.example", "+31 20 555 0101", "Grace", "Hopper")  # a team member
ALAN = "alan@contoso.example"


def everything(api: Api) -> str:
    """Every row the in-memory store holds, as text: what a scan of storage would read."""
    s = api.app.store
    return repr((s.referrals, s.outbox, s.index, s.profiles, s.archive))


def traces(api: Api, person: tuple[str, ...]) -> list[str]:
    text = everything(api).lower()
    return [t for t in person if t.lower() in text]


@pytest.fixture
def api() -> Api:
    return Api()


def test_lookup_finds_contacts_team_and_history_case_insensitively(api: Api):
    rid = api.referral()["id"]
    api.call("add_team_member", "POST", member_body(ALAN), id=rid)
    api.call("remove_team_member", "DELETE", email=ALAN, id=rid)  # Alan is only in history now
    resp, found = api.call("get_person_data", email="BO@Fabrikam.EXAMPLE")
    assert resp.status_code == 200
    assert [r["id"] for r in found["referrals"]] == [rid]
    assert found["referrals"][0]["customerProfile"]["contacts"][0]["email"] == BO[0]
    _, alan = api.call("get_person_data", email=ALAN)
    assert alan["referrals"] == []  # no longer on the referral...
    assert {e["action"] for e in alan["historyEntries"]} == {"teamMemberAdded",
                                                             "teamMemberRemoved"}
    assert all(e["referralId"] == rid for e in alan["historyEntries"])
    _, nobody = api.call("get_person_data", email="nobody@else.example")
    assert nobody == {"referrals": [], "historyEntries": []}


def test_erasure_leaves_no_trace_and_keeps_the_rest(api: Api):
    rid = api.referral()["id"]
    other = api.referral(accepted=False)["id"]
    _, before = api.call("get_insights")
    assert traces(api, GRACE) == list(GRACE)  # the scan can fail: Grace is there now
    resp, done = api.call("erase_person", "POST", {"email": "Grace@Contoso.example"})
    assert resp.status_code == 200, done
    assert (done["referrals"], done["historyEntries"]) == (1, 1)  # the accept entry
    assert traces(api, GRACE) == []
    assert traces(api, BO) == list(BO)  # another person's data stays
    _, after = api.call("get_insights")
    assert after == before
    _, ref = api.call("get_referral", id=rid)
    assert (ref["stage"], ref["details"]["dealValue"], ref["team"]) == ("accepted", 25000.5, [])
    assert api.call("get_referral", id=other)[0].status_code == 200
    _, again = api.call("erase_person", "POST", {"email": GRACE[0]})
    assert (again["referrals"], again["historyEntries"], again["deliveries"]) == (0, 0, 0)
    _, log = api.call("list_erasures")
    assert [e["subject"] for e in log["value"]] == [subject(GRACE[0])] * 2
    assert GRACE[0] not in json.dumps(log)
    assert log["value"][0]["requestedBy"] and log["value"][1]["referrals"] == 1


def test_erasing_a_location_contact_settles_their_pending_email(api: Api):
    api.referral(accepted=False)  # the intake e-mails the profile's contact, Ada
    ada = "ada@contoso.example"
    assert ada in everything(api)
    resp, done = api.call("erase_person", "POST", {"email": ada})
    assert resp.status_code == 200 and done["deliveries"] >= 1
    assert ada not in everything(api).lower() and "Lovelace" not in everything(api)
    states = {d.state.value for d in api.app.store.outbox.values()
              if d.recipient.destination.value == "email"}
    assert states == {"undeliverable"}


def test_another_organisation_is_untouched(api: Api):
    api.referral()
    theirs = Api()
    theirs.app = api.app  # the same storage, another tenant
    theirs.admin = headers("t2", ADMIN)
    theirs.call("put_profile", "PUT", {"companyName": "Other"})
    body = intake_body("t2")
    resp, made = theirs.call("create_referral", "POST", body, hdrs=headers("msft", INTAKE))
    assert resp.status_code == 201
    api.call("erase_person", "POST", {"email": BO[0]})
    _, kept = theirs.call("get_referral", id=made["id"])
    assert kept["customerProfile"]["contacts"][0]["email"] == BO[0]
    assert [r["id"] for r in theirs.call("get_person_data", email=BO[0])[1]["referrals"]] \
        == [made["id"]]


@pytest.mark.parametrize("name,method,body,route", [
    ("get_person_data", "GET", None, {"email": BO[0]}),
    ("erase_person", "POST", {"email": BO[0]}, {}),
    ("list_erasures", "GET", None, {}),
])
@pytest.mark.parametrize("role", ["Referrals.User", INTAKE])
def test_only_admins(api: Api, name: str, method: str, body: dict[str, str] | None,
                     route: dict[str, str],
                     role: str):
    resp, err = api.call(name, method, body, hdrs=headers("t1", role), **route)
    assert resp.status_code == 403 and err["error"]["code"] == "accessDenied"


@pytest.mark.parametrize("body", [{}, {"email": "not an address"}, {"email": 42},
                                  {"email": BO[0], "extra": 1}, []])
def test_bad_bodies_are_400(api: Api, body: object):
    resp, err = api.call("erase_person", "POST", body)  # type: ignore[arg-type]
    assert resp.status_code == 400 and err["error"]["code"] == "invalidRequest"
    assert api.call("list_erasures")[1]["value"] == []


def test_a_bad_address_in_the_path_is_400(api: Api):
    resp, err = api.call("get_person_data", email="no-at-sign")
    assert resp.status_code == 400 and err["error"]["target"] == "email"


def test_retention_erases_referrals_archived_long_enough_ago(api: Api):
    api.app.settings = replace(api.app.settings, personal_data_retention=timedelta(days=30))
    api.runtime = api.app.runtime()
    declined = api.referral(accepted=False)["id"]
    assert api.call("decline_referral", "POST", {"reason": "NotAFit"},
                    id=declined)[0].status_code == 200
    kept = api.referral()["id"]  # accepted: not archived, keeps its people
    _, before = api.call("get_insights")
    api.app.clock.advance(days=29)
    assert retention.start(api.app.ctx).entries == 0  # not due yet
    api.app.clock.advance(days=2)
    assert retention.start(api.app.ctx).entries == 1
    for batch in api.app.batches.take():
        assert retention.work(api.app.ctx, batch).changed == 1
    _, gone = api.call("get_referral", id=declined)
    assert gone["customerProfile"]["contacts"] == [] and gone["stage"] == "archived"
    assert api.call("get_referral", id=kept)[1]["customerProfile"]["contacts"]
    assert api.call("get_insights")[1] == before
    assert retention.start(api.app.ctx).entries == 0  # its index row is gone
