"""The dashboard: static assets at /api/ui (anonymous; the API calls the page makes are
authenticated like any other client's) and the page's sign-in configuration."""

from __future__ import annotations

import logging
from collections.abc import Callable

import azure.functions as func

from shared import bootstrap, ui
from shared.settings import Settings, SettingsError

from .errors import envelope
from .http_support import json_response

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]

# Assets carry no version in their names (no build step), so browsers revalidate each use
# with If-None-Match and get a 304 when nothing changed.
ASSET_CACHE = "no-cache"
HTML_HEADERS = {"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
                "Cross-Origin-Opener-Policy": "same-origin"}


def _settings_or_none() -> Settings | None:
    try:
        return bootstrap.settings()
    except SettingsError:
        log.exception("settings are invalid; serving the dashboard with the strict policy")
        return None


def _serve(req: func.HttpRequest, name: str) -> func.HttpResponse:
    found = ui.asset(name)
    if found is None:
        return json_response(404, envelope("itemNotFound", "There is no such file.", "file"))
    body, etag, gzipped = found.variant(req.headers.get("Accept-Encoding") or "")
    headers = {"ETag": etag, "Cache-Control": ASSET_CACHE, "X-Content-Type-Options": "nosniff",
               "Vary": "Accept-Encoding"}
    if found.name.endswith(".html"):
        headers.update(HTML_HEADERS)
        headers["Content-Security-Policy"] = ui.content_security_policy(_settings_or_none())
    if ui.etag_matches(req.headers.get("If-None-Match"), etag):
        return func.HttpResponse(status_code=304, headers=headers)
    headers["Content-Type"] = found.content_type
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return func.HttpResponse(body, status_code=200, headers=headers)


def _guard(req: func.HttpRequest, action: Callable[[], func.HttpResponse]) -> func.HttpResponse:
    try:
        return action()
    except Exception:
        log.exception("unhandled error in %s %s", req.method, req.url.split("?", 1)[0])
        return json_response(500, envelope("internalError", "An internal error occurred."))


@bp.route(route="ui", methods=["GET"])
def ui_index(req: func.HttpRequest) -> func.HttpResponse:
    return _guard(req, lambda: _serve(req, ui.INDEX))


@bp.route(route="ui/{file}", methods=["GET"])
def ui_asset(req: func.HttpRequest) -> func.HttpResponse:
    return _guard(req, lambda: _serve(req, str(req.route_params.get("file") or "")))


def _config() -> func.HttpResponse:
    cfg = _settings_or_none()
    if cfg is None:
        return json_response(500, envelope("internalError", "The app's settings are invalid."))
    return json_response(200, ui.client_config(cfg))


@bp.route(route="ui/config", methods=["GET"])
def ui_config(req: func.HttpRequest) -> func.HttpResponse:
    return _guard(req, _config)
