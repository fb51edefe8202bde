"""The dashboard's static serving and sign-in config, with the functions called directly
(no browser, no host): ETag/304, content types, CSP, 404 envelope, no path traversal."""

from __future__ import annotations

import gzip
import json

import azure.functions as func
import pytest

from shared import bootstrap, ui
from shared.settings import AuthMode, Settings, StorageSettings
from tests.support.functions import functions

FUNCS = {f.get_function_name(): f.get_user_function() for f in functions()}
BASE = "http://127.0.0.1:7071/api"


@pytest.fixture
def settings(monkeypatch):
    def use(**kw) -> Settings:
        cfg = Settings(storage=StorageSettings(connection_string="unused"), **kw)
        monkeypatch.setattr(bootstrap, "settings", lambda: cfg)
        return cfg
    use(auth_mode=AuthMode.LOCAL)
    return use


def get(name, path, headers=None, route=None) -> func.HttpResponse:
    req = func.HttpRequest("GET", BASE + path, headers=headers or {}, params={},
                           route_params=route or {}, body=b"")
    return FUNCS[name](req)


def asset(file, headers=None):
    return get("ui_asset", f"/ui/{file}", headers, {"file": file})


def test_index_is_html_with_a_strict_csp_and_an_etag(settings):
    resp = get("ui_index", "/ui")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert resp.headers["ETag"].startswith('"') and resp.headers["Cache-Control"] == "no-cache"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    html = resp.get_body().decode()
    assert '<script type="module" src="/api/ui/app.js">' in html
    assert "<script>" not in html and "onclick=" not in html  # no inline script


@pytest.mark.parametrize(("file", "ctype"), [
    ("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8"),
    ("favicon.svg", "image/svg+xml"), ("index.html", "text/html; charset=utf-8"),
])
def test_content_types(settings, file, ctype):
    resp = asset(file)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == ctype
    assert "Content-Security-Policy" in resp.headers or not file.endswith(".html")


def test_every_module_the_page_imports_is_served(settings):
    names = set(ui.names())
    assert {"index.html", "app.js", "api.js", "auth.js", "forms.js", "leads.js", "detail.js",
            "profile.js", "dom.js", "app.css", "filters.js", "lead-cards.js", "lead-table.js",
            "export.js", "insights.js"} <= names


def test_if_none_match_gives_304_without_a_body(settings):
    first = asset("app.js")
    etag = first.headers["ETag"]
    again = asset("app.js", {"If-None-Match": etag})
    assert again.status_code == 304 and again.get_body() == b""
    assert again.headers["ETag"] == etag
    assert asset("app.js", {"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert asset("app.js", {"If-None-Match": '"stale"'}).status_code == 200
    assert asset("api.js").headers["ETag"] != etag


def test_gzip_when_accepted_with_its_own_etag(settings):
    plain = asset("app.css")
    packed = asset("app.css", {"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.get_body()) == plain.get_body()
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert packed.headers["Vary"] == "Accept-Encoding"
    assert "Content-Encoding" not in asset("app.css", {"Accept-Encoding": "gzip;q=0"}).headers
    revalidated = asset("app.css", {"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert revalidated.status_code == 304


@pytest.mark.parametrize("file", [
    "nope.js", "../__init__.py", "..%2F__init__.py", "../../settings.py", "/etc/passwd",
    "static/app.js", "..", ".", "", "app.js/..", "__init__.py", "app.js\x00.css", "APP.JS",
    "..\\__init__.py",
])
def test_unknown_files_and_traversal_are_404_envelopes(settings, file):
    resp = asset(file)
    assert resp.status_code == 404
    assert resp.mimetype == "application/json"
    error = json.loads(resp.get_body())["error"]
    assert error["code"] == "itemNotFound"
    assert set(error) == {"code", "message", "target", "details"}


def test_config_local_mode(settings):
    resp = get("ui_config", "/ui/config")
    assert resp.status_code == 200
    assert json.loads(resp.get_body()) == {"authMode": "local", "localSignIn": True}


def test_config_never_offers_local_sign_in_elsewhere(settings):
    settings(auth_mode=AuthMode.LOCAL, running_in_azure=True)
    assert json.loads(get("ui_config", "/ui/config").get_body())["localSignIn"] is False
    settings(auth_mode=AuthMode.EASYAUTH, easyauth_enabled=True)
    body = json.loads(get("ui_config", "/ui/config").get_body())
    assert body["authMode"] == "easyauth" and body["localSignIn"] is False
    assert body["loginUrl"].startswith("/.auth/login/aad")


def test_entra_sign_in_settings_reach_the_page(monkeypatch):
    """ENTRA_CLIENT_ID, ENTRA_AUTHORITY and ENTRA_SCOPES, read from the environment as in
    Azure, are what the page's MSAL sign-in receives; the CSP allows that authority only."""
    cfg = Settings.from_env({
        "AzureWebJobsStorage": "UseDevelopmentStorage=true", "AUTH_MODE": "entra",
        "ENTRA_AUDIENCE": "api://referrals", "ENTRA_CLIENT_ID": "c0ffee00-1111-2222-3333-444455556666",
        "ENTRA_AUTHORITY": "https://login.example.net/contoso.example",
        "ENTRA_SCOPES": "api://referrals/Referrals.Read, openid",
    })
    monkeypatch.setattr(bootstrap, "settings", lambda: cfg)
    entra = json.loads(get("ui_config", "/ui/config").get_body())["entra"]
    assert entra["clientId"] == "c0ffee00-1111-2222-3333-444455556666"
    assert entra["authority"] == "https://login.example.net/contoso.example"
    assert entra["scopes"] == ["api://referrals/Referrals.Read", "openid"]
    csp = get("ui_index", "/ui").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://login.example.net;" in csp
    assert "frame-src https://login.example.net;" in csp


def test_config_and_csp_for_entra(settings):
    settings(auth_mode=AuthMode.ENTRA, entra_audience="api://referrals")
    body = json.loads(get("ui_config", "/ui/config").get_body())
    assert body["authMode"] == "entra" and body["localSignIn"] is False
    assert body["entra"]["scopes"] == ["api://referrals/.default"]
    assert body["entra"]["authority"] == "https://login.microsoftonline.com/organizations"
    csp = get("ui_index", "/ui").headers["Content-Security-Policy"]
    assert "connect-src 'self' https://login.microsoftonline.com" in csp
