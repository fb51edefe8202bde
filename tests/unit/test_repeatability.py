"""Intake retries (Repeatability-Request-ID / -First-Sent) over the in-memory store, through
the HTTP edge as the host calls it; tests/e2e/test_intake_retries_http.py runs concurrent
retries over devhost and Azurite."""

import json
from email.utils import format_datetime

import azure.functions as func
import pytest

from shared.domain.commands import IntakeRequest
from shared.services.intake_retries import Rejected, Repeat, intake_once
from tests.support.factories import ADMIN, INTAKE, headers, intake_body, profile_body
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"
TENANT = "5f0c6a52-94a0-4d4b-9a53-2a5c0a6e0b11"


@pytest.fixture
def app():
    a = MemoryApp()
    runtime = a.runtime()
    put = func.HttpRequest("PUT", BASE + "/profile", headers=headers(TENANT, ADMIN), params={},
                           route_params={}, body=json.dumps(profile_body()).encode())
    assert call_route("put_profile", put, runtime).status_code == 200
    a.runtime_ = runtime  # type: ignore[attr-defined]
    return a


def intake(app, body=None, intake_tenant="msft-intake", **extra: str):
    hdrs = {**headers(intake_tenant, INTAKE), **extra}
    req = func.HttpRequest("POST", BASE + "/referrals", headers=hdrs, params={},
                           route_params={}, body=json.dumps(body or intake_body(TENANT)).encode())
    resp = call_route("create_referral", req, app.runtime_)
    return resp, json.loads(resp.get_body())


def other_body() -> dict:
    body = intake_body(TENANT)
    body["customerProfile"]["name"] = "Northwind"
    return body


def command(app, body: dict) -> IntakeRequest:
    return IntakeRequest.model_validate_json(json.dumps(body),
                                             context={"today": app.clock.now.date()})


def count(app) -> int:
    return len(app.store.referrals)


def test_a_retry_answers_the_original_201_and_creates_nothing(app):
    first, body = intake(app, **{"Repeatability-Request-ID": "req-1"})
    again, body2 = intake(app, **{"Repeatability-Request-ID": "req-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert body2 == body and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Location"] == first.headers["Location"]
    assert first.headers["Repeatability-Result"] == again.headers["Repeatability-Result"] \
        == "accepted"
    assert count(app) == 1
    # Without the header every request is new.
    plain, _ = intake(app)
    assert "Repeatability-Result" not in plain.headers and count(app) == 2


def test_the_same_id_from_another_caller_is_another_request(app):
    intake(app, **{"Repeatability-Request-ID": "req-1"})
    other, _ = intake(app, intake_tenant="other-intake", **{"Repeatability-Request-ID": "req-1"})
    assert other.status_code == 201 and count(app) == 2


def test_the_same_id_with_another_body_is_400_naming_the_header(app):
    intake(app, **{"Repeatability-Request-ID": "req-1"})
    resp, body = intake(app, other_body(),
                        **{"Repeatability-Request-ID": "req-1"})
    assert resp.status_code == 400 and body["error"]["code"] == "invalidRequest"
    assert body["error"]["target"] == "Repeatability-Request-ID"
    assert resp.headers["Repeatability-Result"] == "rejected"
    assert resp.headers["x-ms-error-code"] == "invalidRequest" and count(app) == 1


def test_after_24_hours_the_id_starts_a_new_request(app):
    _, first = intake(app, **{"Repeatability-Request-ID": "req-1"})
    app.clock.advance(hours=23, minutes=59)
    _, same = intake(app, **{"Repeatability-Request-ID": "req-1"})
    assert same["id"] == first["id"]
    app.clock.advance(minutes=2)
    resp, later = intake(app, **{"Repeatability-Request-ID": "req-1"})
    assert resp.status_code == 201 and later["id"] != first["id"] and count(app) == 2
    # ... and a different body is fine then too, since the old claim no longer counts.
    app.clock.advance(hours=25)
    resp, _ = intake(app, other_body(),
                     **{"Repeatability-Request-ID": "req-1"})
    assert resp.status_code == 201 and count(app) == 3


@pytest.mark.parametrize(("header", "value"), [
    ("Repeatability-Request-ID", ""),
    ("Repeatability-Request-ID", "x" * 129),
    ("Repeatability-Request-ID", "a/b"),
    ("Repeatability-Request-ID", "id\n"),
    ("Repeatability-First-Sent", "2026-11-02T09:00:00Z"),
    ("Repeatability-First-Sent", "Mon, 02 Nov 2026 09:00:00 +0000"),
    ("Repeatability-First-Sent", "Mon, 31 Feb 2026 09:00:00 GMT"),
    ("Repeatability-First-Sent", "Tue, 03 Nov 2026 09:00:00 GMT"),  # a day in the future
])
def test_malformed_headers_are_400_naming_the_header(app, header, value):
    extra = {"Repeatability-Request-ID": "req-1", header: value}
    resp, body = intake(app, **extra)
    assert resp.status_code == 400, body
    assert body["error"]["target"] == header
    assert resp.headers["Repeatability-Result"] == "rejected" and count(app) == 0


def test_first_sent_within_24_hours_is_accepted_and_older_is_412(app):
    sent = format_datetime(app.clock.now, usegmt=True)
    resp, _ = intake(app, **{"Repeatability-Request-ID": "req-1",
                             "Repeatability-First-Sent": sent})
    assert resp.status_code == 201 and resp.headers["Repeatability-Result"] == "accepted"
    app.clock.advance(hours=25)
    resp, body = intake(app, **{"Repeatability-Request-ID": "req-1",
                                "Repeatability-First-Sent": sent})
    assert resp.status_code == 412 and body["error"]["target"] == "Repeatability-First-Sent"
    assert resp.headers["Repeatability-Result"] == "rejected" and count(app) == 1


def test_a_refused_intake_frees_the_id(app):
    missing = "0b8f2d4e-1111-4c4c-8888-000000000000"
    resp, body = intake(app, intake_body(missing), **{"Repeatability-Request-ID": "req-9"})
    assert resp.status_code == 409 and body["error"]["code"] == "profileRequired"
    assert resp.headers["Repeatability-Result"] == "accepted"
    assert not app.claims.rows


def test_a_twin_that_lost_the_add_answers_the_winner(app, monkeypatch):
    ctx = app.ctx
    cmd = command(app, intake_body(TENANT))
    repeat = Repeat("caller", "req-1")
    first = intake_once(ctx, cmd, repeat)
    # A twin that claimed before the first add finished: its read finds nothing, its add of
    # the same id conflicts, and it answers the referral that won.
    real_get, seen = ctx.referrals.get, []
    monkeypatch.setattr(ctx.referrals, "get",
                        lambda *a: real_get(*a) if seen else seen.append(a))
    assert intake_once(ctx, cmd, repeat).referral.id == first.referral.id
    with pytest.raises(Rejected):
        intake_once(ctx, command(app, other_body()), repeat)
    assert count(app) == 1
