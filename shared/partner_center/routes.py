"""The Partner Center routes (contract section 9): connect, its callback, the connection,
Sync now, taking the webhook registration over, and the events Partner Center sends.

The callback and the events are anonymous: the single-use ``state`` is the proof of the one,
the RSA signature of the other. An event is verified before anything is read, queued or
stored (401 otherwise), then only queued: the worker reads the referral from the configured
API by the id at the end of ``ResourceUri``, never from the URI itself.
"""

from __future__ import annotations

import html
import logging

import azure.functions as func
from pydantic import BaseModel, ConfigDict, Field

from shared import bootstrap
from shared.auth.errors import Unauthenticated
from shared.auth.principals import ADMIN_ROLES
from shared.domain.errors import NotFound
from shared.domain.history import Actor
from shared.http.call import Call, Route
from shared.http.errors import InvalidRequest
from shared.http.pipeline import register
from shared.http.responses import SECURITY_HEADERS, json_response

from . import connect
from .api.errors import EventMalformed, EventRejected
from .api.events import parse_event
from .runtime import PartnerCenterRuntime
from .state.work_queue import Work

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Partner Center"
MAX_EVENT_BYTES = 16 * 1024
PAGE = {"text/html": {"schema": {"type": "string"}}}


class AuthorizeUrl(BaseModel):
    authorize_url: str = Field(alias="authorizeUrl", description="Send the admin here to "
                               "sign in to Partner Center; it comes back to the callback.")


class ConnectionOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    state: str = Field(description="connected, reconnectRequired or disconnected.")


class Received(BaseModel):
    status: str


def _connect(call: Call) -> func.HttpResponse:
    actor = call.viewer.actor
    url = connect.start(bootstrap.partner_center(), call.tenant, Actor(id=actor.id,
                                                                        name=actor.name))
    return json_response(200, {"authorizeUrl": url})


def _callback(call: Call) -> func.HttpResponse:
    params = call.req.params
    rt = bootstrap.partner_center()
    reason = connect.callback(rt, params.get("code"), params.get("state"), params.get("error"))
    target = connect.dashboard_url(rt, reason)
    said = "Partner Center is connected." if reason is None else \
        f"Partner Center was not connected ({reason})."
    page = f"<!doctype html><title>Partner Center</title><p>{html.escape(said)}</p>"
    headers = {**SECURITY_HEADERS, **({"Location": target} if target else {})}
    return func.HttpResponse(page, status_code=302 if target else 200, headers=headers,
                             mimetype="text/html", charset="utf-8")


def _connection(call: Call) -> func.HttpResponse:
    return json_response(200, connect.view(bootstrap.partner_center(), call.tenant))


def _disconnect(call: Call) -> func.HttpResponse:
    connect.disconnect(bootstrap.partner_center(), call.tenant)
    return func.HttpResponse(status_code=204, headers=SECURITY_HEADERS)


def _take_over(call: Call) -> func.HttpResponse:
    rt = bootstrap.partner_center()
    connect.register_webhook(rt, call.tenant, take_over=True)
    return json_response(200, connect.view(rt, call.tenant))


def _sync(call: Call) -> func.HttpResponse:
    connect.request_sync(bootstrap.partner_center(), call.tenant)
    return json_response(202, {"status": "queued"})


def _event(call: Call) -> func.HttpResponse:
    rt = bootstrap.partner_center()
    partner_id = rt.store.partner_of(call.route_param("connectionId"))
    if partner_id is None:
        raise NotFound("No connection has this id.")
    body = call.req.get_body() or b""
    try:
        if len(body) > MAX_EVENT_BYTES:
            raise EventRejected("bodyTooLarge")
        bootstrap.event_verifier().verify(dict(call.req.headers), body)
    except EventRejected as exc:
        log.warning("Partner Center event refused: %s", exc)
        raise Unauthenticated("The event's signature does not verify.") from None
    try:
        event = parse_event(body)
    except EventMalformed as exc:
        raise InvalidRequest(f"Not a referral event: {exc}") from None
    rt.work.send(Work(partner_id, event.referral_id))
    _note_event(rt, partner_id)
    return json_response(200, {"status": "queued"})


def _note_event(rt: PartnerCenterRuntime, partner_id: str) -> None:
    now = rt.ctx.clock()
    rt.store.update(partner_id, lambda conn: conn.with_(last_event=now), tries=2)


ROUTES = [
    Route("partner_center_connect", "POST", "partner-center/connect",
          "Start connecting Partner Center", TAG, _connect, ADMIN_ROLES, response=AuthorizeUrl,
          description="The Microsoft sign-in URL (authorization code with PKCE) for the "
                      "caller's organisation; 409 partnerCenterNotConfigured without the "
                      "app's Partner Center settings."),
    Route("partner_center_callback", "GET", "partner-center/callback",
          "Finish connecting (the sign-in comes back here)", TAG, _callback, None, status=302,
          content=PAGE, response_headers=("Location",), extra_responses={"200": {
              "description": "Without DASHBOARD_URL: a small page saying how it went.",
              "content": PAGE}},
          description="Redeems the code once for the single-use state, then redirects to "
                      "the dashboard with partnerCenter=connected or partnerCenter=failed "
                      "and a reason; nothing is stored for a refused, replayed or expired "
                      "sign-in."),
    Route("partner_center_connection", "GET", "partner-center/connection",
          "Get the Partner Center connection", TAG, _connection, ADMIN_ROLES,
          response=ConnectionOut,
          description="Its state (connected, reconnectRequired, disconnected), who connected "
                      "it and when, the webhook registration, the last event and the last "
                      "sync with its counts; disconnected with nulls when never connected."),
    Route("partner_center_disconnect", "DELETE", "partner-center/connection",
          "Disconnect Partner Center", TAG, _disconnect, ADMIN_ROLES, status=204,
          description="Erases the stored tokens and stops Partner Center work; referrals "
                      "already here stay."),
    Route("partner_center_webhook", "POST", "partner-center/connection/webhook",
          "Take the Partner Center webhook registration over", TAG, _take_over, ADMIN_ROLES,
          response=ConnectionOut,
          description="Points the account's referral events here even though another "
                      "connector's URL holds the registration (heldByAnother); answers the "
                      "connection."),
    Route("partner_center_sync", "POST", "partner-center/sync", "Sync Partner Center now",
          TAG, _sync, ADMIN_ROLES, response=Received, status=202,
          description="Queues a sync from the watermark (the first one imports "
                      "PARTNER_CENTER_IMPORT_WINDOW back); 409 partnerCenterNotConnected "
                      "without a working connection."),
    Route("partner_center_event", "POST", "partner-center/events/{connectionId}",
          "Receive a Partner Center event", TAG, _event, None, response=Received,
          description="Partner Center's referral-created and referral-updated events, "
                      "RSA-signed: 401 when the signature does not verify."),
]
register(bp, ROUTES)
