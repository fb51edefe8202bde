"""The one route table: every HTTP route module and every background blueprint of the app.

function_app.py registers ``BLUEPRINTS``; the OpenAPI document describes ``ROUTES``. A new
capability adds its route module to ``ROUTE_MODULES`` (and its timers or queue functions to
``BACKGROUND``) here, once, and both follow.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import azure.functions as func

from shared.background import triggers as background
from shared.http.call import Route
from shared.http.pipeline import register
from shared.marketplace import routes as marketplace_routes
from shared.openapi.document import document as build_document
from shared.openapi.route import openapi_route
from shared.partner_center import routes as partner_center_routes
from shared.partner_center import triggers as partner_center_triggers
from shared.privacy import routes as privacy_routes
from shared.privacy import triggers as privacy_triggers
from shared.routes import dashboard, health, notifications, profile, referrals

# Each module holds ``ROUTES`` (its rows) and ``bp`` (the blueprint they are registered on).
ROUTE_MODULES = (health, profile, referrals, notifications, dashboard, partner_center_routes,
                 marketplace_routes, privacy_routes)
BACKGROUND = (background.bp, partner_center_triggers.bp, privacy_triggers.bp)


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document of every route, built once per worker on first request."""
    return build_document(ROUTES)


OPENAPI = openapi_route(document)
_openapi_bp = func.Blueprint()  # type: ignore[no-untyped-call]
register(_openapi_bp, [OPENAPI])

ROUTES: list[Route] = [*health.ROUTES, OPENAPI,
                       *(route for module in ROUTE_MODULES[1:] for route in module.ROUTES)]
BLUEPRINTS: tuple[func.Blueprint, ...] = (
    health.bp, _openapi_bp, *(module.bp for module in ROUTE_MODULES[1:]), *BACKGROUND)
