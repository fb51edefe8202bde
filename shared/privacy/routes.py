"""The customer-data routes (contract section 11), for the organisation's admins only."""

from __future__ import annotations

import re
from typing import Any

import azure.functions as func
from pydantic import Field

from shared.auth.principals import ADMIN_ROLES
from shared.domain.events import iso
from shared.domain.models import EMAIL_PATTERN, Email, Model
from shared.http.bodies import HistoryEntryOut, Out, dump, history_out, referral_view
from shared.http.call import Call, Route
from shared.http.errors import InvalidRequest
from shared.http.pipeline import register
from shared.http.responses import json_response
from shared.storage.ports.privacy import Erasure

from . import service
from .retention import ports_of

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Customer data"


class ErasureRequest(Model):
    email: Email = Field(description="The address whose person is erased (any case).")


class HistoryMention(HistoryEntryOut):
    referral_id: str


class PersonData(Out):
    referrals: list[dict[str, Any]] = Field(description="Each referral holding the address, "
                                                        "as GET /api/referrals/{id} returns it.")
    history_entries: list[HistoryMention]


class ErasureOut(Out):
    id: str
    referrals: int = Field(description="Referrals from which the person was removed.")
    history_entries: int
    deliveries: int = Field(description="Delivery records rewritten (pending e-mails to the "
                                        "address are settled, never sent).")


class ErasureLogEntry(ErasureOut):
    requested_by: str = Field(description="The object id of the admin who asked.")
    date_time: str
    subject: str = Field(description="SHA-256 (hex) of the lowercased address: the log "
                                     "keeps no personal data.")


class ErasureLog(Out):
    value: list[ErasureLogEntry]


def _address(call: Call) -> str:
    address = call.route_param("email").strip()
    if len(address) > 254 or not re.match(EMAIL_PATTERN, address):
        raise InvalidRequest("The path must end with an e-mail address.", "email")
    return address


def _person(call: Call) -> func.HttpResponse:
    address = _address(call)
    held = service.look_up(call.ctx, ports_of(call.ctx), call.tenant, address)
    now, window = call.ctx.clock(), call.settings.contact_alert_window
    body = PersonData(referrals=[referral_view(s, now, window) for s in held.referrals],
                      history_entries=[HistoryMention(referral_id=rid, **history_out(e)
                                                      .model_dump())
                                       for rid, e in held.history])
    return json_response(200, dump(body))


def _counts(e: Erasure) -> dict[str, Any]:
    return {"id": e.id, "referrals": e.referrals, "history_entries": e.history_entries,
            "deliveries": e.deliveries}


def _erase(call: Call) -> func.HttpResponse:
    request = call.body(ErasureRequest)
    done = service.erase(call.ctx, ports_of(call.ctx), call.tenant, request.email,
                         call.viewer.actor.id)
    return json_response(200, dump(ErasureOut(**_counts(done))))


def _log(call: Call) -> func.HttpResponse:
    entries = [ErasureLogEntry(**_counts(e), requested_by=e.requested_by,
                               date_time=iso(e.at), subject=e.subject)
               for e in service.erasures(ports_of(call.ctx), call.tenant)]
    return json_response(200, dump(ErasureLog(value=entries)))


ROUTES = [
    Route("get_person_data", "GET", "privacy/people/{email}", "What is held about a person",
          TAG, _person, ADMIN_ROLES, response=PersonData,
          description="Every referral and history entry of the organisation where the "
                      "address appears (a customer contact, a team member, an owner, a "
                      "history value), case-insensitively: for a subject access request. "
                      "Served from index rows by address: the cost follows the matches."),
    Route("erase_person", "POST", "privacy/erasures", "Erase a person", TAG, _erase,
          ADMIN_ROLES, body=ErasureRequest, response=ErasureOut,
          description="Removes the person with that address (with the name, phone and title "
                      "that came with it) from every referral, history value, index row, "
                      "profile location and delivery record of the organisation; pending "
                      "e-mails to it are settled, not sent. Referrals keep company, deal, "
                      "stage and dates, so insights do not change. Repeating it answers "
                      "zeros."),
    Route("list_erasures", "GET", "privacy/erasures", "The erasure log", TAG, _log,
          ADMIN_ROLES, response=ErasureLog,
          description="Every erasure of the organisation, newest first. The log holds the "
                      "SHA-256 of the address, never the address."),
]
register(bp, ROUTES)
