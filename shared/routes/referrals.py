"""Referral routes, as one table. Every action route is the same three steps: parse the body
into its command, ``perform`` it, answer the referral; only the rows differ."""

from __future__ import annotations

import azure.functions as func
from pydantic import BaseModel

from shared.auth.principals import ADMIN_ROLES, INTAKE_ROLES, WORKER_ROLES, Role
from shared.domain.commands import (
    AcceptRequest,
    AddTeamMember,
    AssignRequest,
    DeclineRequest,
    EditRequest,
    IntakeRequest,
    LoseRequest,
    RemoveTeamMember,
    SetFavorite,
    WinRequest,
)
from shared.domain.enums import ListOrder
from shared.domain.models import TeamMember
from shared.http import repeatability_headers
from shared.http.bodies import (
    HistoryPage,
    Insights,
    ReferralOut,
    ReferralPage,
    dump,
    history_out,
    insights_out,
    referral_out,
)
from shared.http.call import Action, Call, IfMatch, Method, Route
from shared.http.csv_export import to_csv
from shared.http.errors import InvalidRequest, PreconditionRequired
from shared.http.pipeline import register
from shared.http.query_parameters import (
    EXPORT_PARAMETERS,
    FILTER_PARAMETERS,
    LIST_PARAMETERS,
    PAGING_PARAMETERS,
    WINDOW_PARAMETERS,
    next_link,
    parse_filters,
    parse_list_request,
    parse_paging,
    parse_window,
)
from shared.http.responses import SECURITY_HEADERS, json_response
from shared.services import referrals
from shared.services.export import export
from shared.services.insights import insights
from shared.services.intake_retries import Repeat, intake_once

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Referrals"
CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "ETags of copies the caller holds; `*` for any.",
                 "schema": {"type": "string"}}


def _intake(call: Call) -> func.HttpResponse:
    assert call.caller is not None
    caller = f"{call.tenant}|{call.caller.user_id or call.caller.email or ''}"

    def run(repeat: Repeat | None) -> func.HttpResponse:
        cmd, actor = call.body(IntakeRequest), call.viewer.actor
        stored = referrals.intake(call.ctx, cmd, actor) if repeat is None \
            else intake_once(call.ctx, cmd, repeat, actor)
        location = f"{call.req.url.split('?', 1)[0].rstrip('/')}/{stored.referral.id}"
        return call.referral_response(stored, 201, {"Location": location})

    return repeatability_headers.respond(call.req.headers, caller, call.ctx.clock(), run)


def _list(call: Call) -> func.HttpResponse:
    request = parse_list_request(call.req.params, call.viewer.actor.id)
    if call.viewer.restricted and request.query.order is not ListOrder.CREATED_DESC:
        raise InvalidRequest("A Referrals user's list comes newest first; leave orderBy out.",
                             "orderBy")
    page = referrals.list_page(call.ctx, call.tenant, request.query, request.top, request.token,
                               call.viewer)
    now, window = call.ctx.clock(), call.settings.contact_alert_window
    link = next_link(call.req.url, call.req.params, page.continuation_token) \
        if page.continuation_token else None
    body = ReferralPage(value=[referral_out(s, now, window) for s in page.items], next_link=link)
    return json_response(200, dump(body, exclude_none_fields={"nextLink"}))


def _export(call: Call) -> func.HttpResponse:
    query = parse_filters(call.req.params, EXPORT_PARAMETERS)
    return func.HttpResponse(
        to_csv(export(call.ctx, call.tenant, query)), status_code=200, mimetype="text/csv",
        charset="utf-8",
        headers={**SECURITY_HEADERS,
                 "Content-Disposition": 'attachment; filename="referrals.csv"'})


def _get(call: Call) -> func.HttpResponse:
    stored = referrals.get(call.ctx, call.tenant, call.referral_id, call.viewer)
    if call.none_match(stored.etag):
        # The caller's copy is current (RFC 9110 conditional GET): no body to send again.
        return func.HttpResponse(status_code=304, headers={**SECURITY_HEADERS,
                                                           "ETag": stored.etag})
    return call.referral_response(stored)


def _edit(call: Call) -> func.HttpResponse:
    # Checked before the body: an edit without a version is refused whatever it says.
    if call.precondition is None:
        raise PreconditionRequired("PATCH requires an If-Match header with the referral's ETag.")
    return _perform(call, call.body(EditRequest))


def _perform(call: Call, command: BaseModel) -> func.HttpResponse:
    stored = referrals.perform(call.ctx, call.tenant, call.referral_id, command,
                               call.precondition, call.viewer)
    return call.referral_response(stored)


def _act(model: type[BaseModel], *, optional: bool = False) -> Action:
    """An action route whose body is the command itself."""
    return lambda call: _perform(call, call.body(model, optional=optional))


def _add_member(call: Call) -> func.HttpResponse:
    return _perform(call, AddTeamMember(member=call.body(TeamMember)))


def _remove_member(call: Call) -> func.HttpResponse:
    return _perform(call, RemoveTeamMember(email=call.route_param("email")))


def _favorite(value: bool) -> Action:
    return lambda call: _perform(call, SetFavorite(favorite=value))


def _history(call: Call) -> func.HttpResponse:
    top, token = parse_paging(call.req.params)
    entries, next_token = referrals.history_page(call.ctx, call.tenant, call.referral_id,
                                                 call.viewer, top, token)
    link = next_link(call.req.url, call.req.params, next_token) if next_token else None
    body = HistoryPage(value=[history_out(e) for e in entries], next_link=link)
    return json_response(200, dump(body, exclude_none_fields={"nextLink"}))


def _insights(call: Call) -> func.HttpResponse:
    window = parse_window(call.req.params)
    return json_response(200, dump(insights_out(insights(call.ctx, call.tenant, *window))))


def _action(name: str, method: Method, path: str, summary: str, action: Action,
            body: type[BaseModel] | None = None, *, if_match: IfMatch = "optional",
            body_required: bool = True, description: str | None = None,
            roles: frozenset[Role] = WORKER_ROLES) -> Route:
    """A row for a route on one referral that answers the referral, with its ETag."""
    return Route(name, method, path, summary, TAG, action, roles, body=body,
                 body_required=body_required, response=ReferralOut, response_headers=("ETag",),
                 if_match=if_match, description=description)


ROUTES = [
    Route("create_referral", "POST", "referrals", "Receive a referral (Microsoft's systems)",
          TAG, _intake, INTAKE_ROLES, body=IntakeRequest, response=ReferralOut, status=201,
          response_headers=("ETag", "Location", "Repeatability-Result"),
          query=repeatability_headers.PARAMETERS,
          description="Stores a new referral for the partner named in `partnerId`, which "
                      "must have a business profile (409 `profileRequired` otherwise). The "
                      "partner must accept or decline it within the response window (14 "
                      "days by default) or it expires. With `Repeatability-Request-ID` it "
                      "is safe to retry: a retry within 24 hours answers the original 201 "
                      "and creates nothing (`Repeatability-Result: accepted`); refused "
                      "repeatability headers say `Repeatability-Result: rejected`."),
    Route("list_referrals", "GET", "referrals", "List referrals, newest first", TAG, _list,
          WORKER_ROLES, response=ReferralPage, query=LIST_PARAMETERS,
          description="The caller's organisation's referrals, filtered by the query "
                      "parameters. A page with more after it has a `nextLink` to fetch the "
                      "next one."),
    Route("export_referrals", "GET", "referrals/export", "Download the listing as CSV", TAG,
          _export, ADMIN_ROLES, query=FILTER_PARAMETERS, content=CSV_CONTENT,
          description="Every referral the same filters as the listing match (all pages, in "
                      "the same order), one a row, up to 10,000; more is a 400 asking to "
                      "narrow the query. Cells that a spreadsheet would run as a formula are "
                      "prefixed with an apostrophe."),
    Route("get_referral", "GET", "referrals/{id}", "Get a referral", TAG, _get, WORKER_ROLES,
          response=ReferralOut, response_headers=("ETag",), query=(IF_NONE_MATCH,),
          extra_responses={"304": {"description": "Not modified: If-None-Match names the "
                                                  "current ETag."}},
          description="One referral, with its ETag in the header and in `eTag`. With "
                      "If-None-Match naming the current ETag, 304 and no body."),
    _action("edit_referral", "PATCH", "referrals/{id}", "Edit an accepted referral's deal",
            _edit, EditRequest, if_match="required",
            description="A merge patch of an accepted referral: only the fields present "
                        "change; the deal's name, value, currency and closing date cannot be "
                        "cleared. Needs the current ETag in If-Match."),
    _action("accept_referral", "POST", "referrals/{id}/accept", "Accept a referral",
            _act(AcceptRequest), AcceptRequest, roles=ADMIN_ROLES,
            description="Accepts a received referral within its response window, with the "
                        "deal's name, value, currency and closing date (today or later)."),
    _action("decline_referral", "POST", "referrals/{id}/decline", "Decline a referral",
            _act(DeclineRequest), DeclineRequest, roles=ADMIN_ROLES,
            description="Declines a received referral within its response window; `Other` "
                        "needs notes. The customer is told to choose another partner."),
    _action("add_team_member", "POST", "referrals/{id}/team", "Add a team member",
            _add_member, TeamMember,
            description="Adds a colleague to an accepted referral's team; one with the same "
                        "email is updated instead."),
    _action("win_referral", "POST", "referrals/{id}/win", "Close an accepted referral as won",
            _act(WinRequest, optional=True), WinRequest, body_required=False,
            description="Closes an accepted referral as won, with optional notes; Microsoft "
                        "is told."),
    _action("lose_referral", "POST", "referrals/{id}/lose", "Close an accepted referral as lost",
            _act(LoseRequest), LoseRequest,
            description="Closes an accepted referral as lost, with a reason from the list "
                        "(`Other` needs notes); Microsoft is told."),
    _action("remove_team_member", "DELETE", "referrals/{id}/team/{email}",
            "Remove a team member", _remove_member,
            description="Removes the team member with this e-mail address (URL-encoded; "
                        "matched case-insensitively) from an accepted referral; 404 if the "
                        "team has no such member."),
    _action("assign_referral", "POST", "referrals/{id}/assign", "Assign an owner",
            _act(AssignRequest), AssignRequest, roles=ADMIN_ROLES,
            description="Sets the person who works an accepted referral (an id, a name and "
                        "an e-mail address), or clears it with `{\"owner\": null}`."),
    _action("favorite_referral", "PUT", "referrals/{id}/favorite", "Mark as favorite",
            _favorite(True), description="Puts the referral on the Favorites tab; "
                                         "idempotent."),
    _action("unfavorite_referral", "DELETE", "referrals/{id}/favorite", "Unmark as favorite",
            _favorite(False), description="Takes the referral off the Favorites tab; "
                                          "idempotent."),
    Route("get_history", "GET", "referrals/{id}/history", "A referral's history", TAG,
          _history, WORKER_ROLES, response=HistoryPage, query=PAGING_PARAMETERS,
          description="Every change to the referral, oldest first: who (object id and name, "
                      "or `system`), when, what, and each changed field's old and new value."),
    Route("get_insights", "GET", "insights", "The organisation's response and outcome figures",
          "Insights", _insights, ADMIN_ROLES, response=Insights, query=WINDOW_PARAMETERS,
          description="Counts of referrals by where they are now, acceptance and win rates, "
                      "response-time percentiles (from a histogram: within 1 hour or 2 %), "
                      "decline and lost reasons, and the open pipeline's value per currency; "
                      "`from`/`to` keep only referrals that arrived in that window."),
]
register(bp, ROUTES)
