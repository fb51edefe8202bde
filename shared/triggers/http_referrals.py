"""Referral routes. Each parses its input, calls one service, and maps the result."""

from __future__ import annotations

import azure.functions as func

from shared.auth import ADMIN_ROLES, INTAKE_ROLES
from shared.domain.commands import (
    AcceptRequest,
    DeclineRequest,
    EditRequest,
    IntakeRequest,
    LoseRequest,
    WinRequest,
)
from shared.domain.errors import PreconditionRequired
from shared.domain.models import TeamMember
from shared.services import referrals as svc
from shared.services.insights import insights

from .http_support import Call, handle, json_response
from .listing import next_link, parse_list_query
from .views import Insights, ReferralPage, dump, referral_out

bp = func.Blueprint()  # type: ignore[no-untyped-call]


def _intake(c: Call) -> func.HttpResponse:
    stored = svc.intake(c.ctx, c.body(IntakeRequest))
    location = f"{c.req.url.split('?', 1)[0].rstrip('/')}/{stored.referral.id}"
    return c.referral(stored, 201, {"Location": location})


@bp.route(route="referrals", methods=["POST"])
def create_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, INTAKE_ROLES, _intake)


def _list(c: Call) -> func.HttpResponse:
    query = parse_list_query(c.req.params)
    page = svc.list_page(c.ctx, c.tenant, query.view, query.stage, query.top, query.token)
    now, window = c.ctx.clock(), c.ctx.settings.contact_alert_window
    link = next_link(c.req.url, query, page.continuation_token) if page.continuation_token \
        else None
    body = ReferralPage(value=[referral_out(s, now, window) for s in page.items], next_link=link)
    return json_response(200, dump(body, exclude_none_fields={"nextLink"}))


@bp.route(route="referrals", methods=["GET"])
def list_referrals(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, _list)


@bp.route(route="referrals/{id}", methods=["GET"])
def get_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.get(c.ctx, c.tenant, c.route("id"))))


@bp.route(route="referrals/{id}/accept", methods=["POST"])
def accept_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.accept(
        c.ctx, c.tenant, c.route("id"), c.body(AcceptRequest), c.if_match)))


@bp.route(route="referrals/{id}/decline", methods=["POST"])
def decline_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.decline(
        c.ctx, c.tenant, c.route("id"), c.body(DeclineRequest), c.if_match)))


def _edit(c: Call) -> func.HttpResponse:
    if not c.if_match:
        raise PreconditionRequired("PATCH requires an If-Match header with the referral's ETag.")
    return c.referral(svc.edit(c.ctx, c.tenant, c.route("id"), c.body(EditRequest), c.if_match))


@bp.route(route="referrals/{id}", methods=["PATCH"])
def edit_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, _edit)


@bp.route(route="referrals/{id}/team", methods=["POST"])
def add_team_member(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.add_team_member(
        c.ctx, c.tenant, c.route("id"), c.body(TeamMember), c.if_match)))


@bp.route(route="referrals/{id}/win", methods=["POST"])
def win_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.win(
        c.ctx, c.tenant, c.route("id"), c.body(WinRequest, optional=True), c.if_match)))


@bp.route(route="referrals/{id}/lose", methods=["POST"])
def lose_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.lose(
        c.ctx, c.tenant, c.route("id"), c.body(LoseRequest, optional=True), c.if_match)))


@bp.route(route="referrals/{id}/favorite", methods=["PUT"])
def favorite_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.set_favorite(
        c.ctx, c.tenant, c.route("id"), True, c.if_match)))


@bp.route(route="referrals/{id}/favorite", methods=["DELETE"])
def unfavorite_referral(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: c.referral(svc.set_favorite(
        c.ctx, c.tenant, c.route("id"), False, c.if_match)))


@bp.route(route="insights", methods=["GET"])
def get_insights(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, ADMIN_ROLES, lambda c: json_response(
        200, dump(Insights.model_validate(insights(c.ctx, c.tenant)))))
