"""PATCH as "Update a lead or opportunity" documents it: a JSON Patch of ``replace`` and
``add`` only (``add /team/-`` appends), concurrency by ``If-Match``, a new ``eTag`` and
``updatedDateTime`` on every change, the body returned with ``Prefer:
return=representation``; plus the status/substatus table of "Create a referral"."""

from __future__ import annotations

import pytest

from tools.partner_center_sim import DEFAULT_TENANT

from .helpers import sign_in

JANE = {"firstName": "Jane", "lastName": "Doe", "email": "jane.doe@partner.example",
        "phoneNumber": "0000000001"}


@pytest.fixture
def lead(sim):
    return sim.create_referral(DEFAULT_TENANT, "lead", emit=False)


def _patch(sim, session, referral, ops, etag=None, prefer=True):
    headers = {"If-Match": etag or referral["eTag"],
               "Content-Type": "application/json-patch+json"}
    if prefer:
        headers["Prefer"] = "return=representation"
    return session.patch(f"{sim.api_url}/referrals/{referral['id']}", json=ops,
                         headers=headers, timeout=5)


def test_a_stale_etag_is_refused_with_412_and_nothing_changes(sim, lead):
    session = sign_in(sim)
    first = _patch(sim, session, lead, [{"op": "replace", "path": "/name", "value": "One"}])
    assert first.status_code == 200
    updated = first.json()
    assert updated["eTag"] != lead["eTag"] and first.headers["ETag"] == updated["eTag"]
    assert updated["updatedDateTime"] > lead["updatedDateTime"]

    stale = _patch(sim, session, lead, [{"op": "replace", "path": "/name", "value": "Two"}])
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "PreconditionFailed"
    assert sim.referral(DEFAULT_TENANT, lead["id"])["name"] == "One"


def test_if_match_is_required(sim, lead):
    answer = sign_in(sim).patch(f"{sim.api_url}/referrals/{lead['id']}",
                                json=[{"op": "replace", "path": "/name", "value": "x"}],
                                timeout=5)
    assert answer.status_code == 428


def test_replace_and_add_including_appending_to_the_team(sim, lead):
    session = sign_in(sim)
    ops = [{"op": "replace", "path": "/details/dealValue", "value": 10000},
           {"op": "replace", "path": "/details/notes", "value": "Called the customer"},
           {"op": "add", "path": "/team/-", "value": JANE},
           {"op": "add", "path": "/team/-", "value": {**JANE, "firstName": "John"}},
           {"op": "add", "path": "/team/0", "value": {**JANE, "firstName": "First"}},
           {"op": "replace", "path": "/externalReferenceId", "value": "CRM-42"}]
    body = _patch(sim, session, lead, ops).json()
    assert body["details"]["dealValue"] == 10000
    assert body["details"]["notes"] == "Called the customer"
    assert [m["firstName"] for m in body["team"]] == ["First", "Jane", "John"]
    assert body["externalReferenceId"] == "CRM-42"

    whole = [{"op": "replace", "path": "/team", "value": [JANE]}]
    assert [m["firstName"] for m in _patch(sim, session, body, whole).json()["team"]] == ["Jane"]


def test_without_prefer_the_answer_is_204_with_the_new_etag(sim, lead):
    answer = _patch(sim, sign_in(sim), lead,
                    [{"op": "replace", "path": "/name", "value": "x"}], prefer=False)
    assert answer.status_code == 204 and answer.content == b""
    assert answer.headers["ETag"] == sim.referral(DEFAULT_TENANT, lead["id"])["eTag"]


@pytest.mark.parametrize("op", [
    {"op": "remove", "path": "/team/0"},
    {"op": "move", "from": "/name", "path": "/statusReason"},
    {"op": "copy", "from": "/name", "path": "/statusReason"},
    {"op": "test", "path": "/name", "value": "x"},
    {"op": "replace", "path": "/id", "value": "other"},
    {"op": "replace", "path": "/eTag", "value": "\"x\""},
    {"op": "replace", "path": "/noSuchField", "value": 1},
    {"op": "add", "path": "/team/7", "value": JANE},
])
def test_other_operations_and_read_only_paths_are_refused(sim, lead, op):
    ops = [{"op": "replace", "path": "/name", "value": "changed"}, op]
    answer = _patch(sim, sign_in(sim), lead, ops)
    assert answer.status_code == 400
    after = sim.referral(DEFAULT_TENANT, lead["id"])
    assert after["eTag"] == lead["eTag"] and after["name"] == lead["name"]  # all or nothing


def test_status_follows_partner_centers_transition_table(sim, lead):
    session = sign_in(sim)
    accept = [{"op": "replace", "path": "/status", "value": "Active"},
              {"op": "replace", "path": "/substatus", "value": "Accepted"}]
    accepted = _patch(sim, session, lead, accept).json()
    assert accepted["acceptedDateTime"] is not None

    back = [{"op": "replace", "path": "/status", "value": "New"},
            {"op": "replace", "path": "/substatus", "value": "Received"}]
    assert _patch(sim, session, accepted, back).status_code == 400
    mismatch = [{"op": "replace", "path": "/status", "value": "Closed"},
                {"op": "replace", "path": "/substatus", "value": "Accepted"}]
    assert _patch(sim, session, accepted, mismatch).status_code == 400

    won = [{"op": "replace", "path": "/status", "value": "Closed"},
           {"op": "replace", "path": "/substatus", "value": "Won"}]
    closed = _patch(sim, session, accepted, won).json()
    assert (closed["status"], closed["substatus"]) == ("Closed", "Won")
    assert _patch(sim, session, closed, accept).status_code == 400  # closed stays closed
