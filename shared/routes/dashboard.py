"""The dashboard: static assets at /api/ui (anonymous; the API calls the page makes are
authenticated like any other client's) and the page's sign-in configuration."""

from __future__ import annotations

import logging

import azure.functions as func

from shared import ui
from shared.http.call import Call, Route
from shared.http.errors import envelope
from shared.http.pipeline import register
from shared.http.responses import error_response, json_response
from shared.settings import Settings, SettingsError

log = logging.getLogger(__name__)
bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Dashboard"

# Assets carry no version in their names (no build step), so browsers revalidate each use
# with If-None-Match and get a 304 when nothing changed.
ASSET_CACHE = "no-cache"
HTML_HEADERS = {"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY",
                "Cross-Origin-Opener-Policy": "same-origin"}
STATIC_CONTENT = {t: {"schema": {"type": "string"}}
                  for t in ("text/html", "text/javascript", "text/css", "image/svg+xml")}
NOT_MODIFIED = {"304": {"description": "Not modified (If-None-Match)"}}


def _settings_or_none(call: Call) -> Settings | None:
    try:
        return call.settings
    except SettingsError:
        log.exception("settings are invalid; serving the dashboard with the strict policy")
        return None


def _serve(call: Call, name: str) -> func.HttpResponse:
    found = ui.asset(name)
    if found is None:
        return error_response(404, envelope("itemNotFound", "There is no such file.", "file"))
    body, etag, gzipped = found.variant(call.req.headers.get("Accept-Encoding") or "")
    headers = {"ETag": etag, "Cache-Control": ASSET_CACHE, "X-Content-Type-Options": "nosniff",
               "Vary": "Accept-Encoding"}
    if found.name.endswith(".html"):
        headers.update(HTML_HEADERS)
        headers["Content-Security-Policy"] = ui.content_security_policy(_settings_or_none(call))
    if ui.etag_matches(call.req.headers.get("If-None-Match"), etag):
        return func.HttpResponse(status_code=304, headers=headers)
    headers["Content-Type"] = found.content_type
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    return func.HttpResponse(body, status_code=200, headers=headers)


def _config(call: Call) -> func.HttpResponse:
    cfg = _settings_or_none(call)
    if cfg is None:
        return error_response(500, envelope("internalError", "The app's settings are invalid."))
    return json_response(200, ui.client_config(cfg))


ROUTES = [
    Route("ui_index", "GET", "ui", "The dashboard page", TAG, lambda call: _serve(call, ui.INDEX),
          content=STATIC_CONTENT, extra_responses=NOT_MODIFIED,
          description="The Leads page (HTML), revalidated on each use with If-None-Match."),
    Route("ui_asset", "GET", "ui/{file}", "A dashboard file", TAG,
          lambda call: _serve(call, call.route_param("file")), content=STATIC_CONTENT,
          extra_responses=NOT_MODIFIED,
          description="A script, style sheet or image of the Leads page, gzipped when the "
                      "client accepts it, revalidated on each use with If-None-Match."),
    Route("ui_config", "GET", "ui/config", "The dashboard's sign-in configuration", TAG,
          _config, description="How the page signs in (the auth mode and its URLs or Entra "
                               "settings); never a secret."),
]
register(bp, ROUTES)
