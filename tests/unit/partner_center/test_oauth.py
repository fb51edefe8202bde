"""Connecting with MSAL (shared/partner_center/oauth.py): the authorize URL with PKCE, code
redemption, refresh with rotation, and the named errors; the token endpoint is `responses`."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from shared.partner_center.api.errors import (
    ReconnectRequired,
    TokenRefused,
    TokenServiceUnavailable,
)
from shared.partner_center.api.oauth import OAuthConfig, PartnerCenterAuth

TENANT = "11111111-2222-3333-4444-555555555555"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _config(authority="https://login.microsoftonline.com", local=False):
    return OAuthConfig(authority=authority, client_id="app-id", client_secret="s3cret",
                       public_base_url="https://referrals.contoso.example",
                       allow_loopback_http=local)


def _discovery(rsps, origin, advertised=None):
    advertised = advertised or origin
    rsps.get(f"{origin}/{TENANT}/v2.0/.well-known/openid-configuration", json={
        "issuer": f"{advertised}/{TENANT}/v2.0",
        "authorization_endpoint": f"{advertised}/{TENANT}/oauth2/v2.0/authorize",
        "token_endpoint": f"{advertised}/{TENANT}/oauth2/v2.0/token"})
    return f"{origin}/{TENANT}/oauth2/v2.0/token"


def _id_token(**claims):
    part = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"e30.{part}.sig"


def _auth(config=None):
    return PartnerCenterAuth(config or _config(), clock=lambda: NOW)


@responses.activate
def test_the_authorize_url_carries_pkce_state_scopes_and_the_callback():
    _discovery(responses, "https://login.microsoftonline.com")
    request = _auth().authorization_request(TENANT, state="st-1")
    parts = urlsplit(request.url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == \
        f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
    assert query["client_id"] == "app-id" and query["response_type"] == "code"
    assert query["redirect_uri"] == "https://referrals.contoso.example/api/partner-center/callback"
    assert {"https://api.partner.microsoft.com/user_impersonation", "offline_access"} \
        <= set(query["scope"].split())
    assert query["state"] == request.state == "st-1"
    assert query["code_challenge_method"] == "S256"
    verifier = request.flow["code_verifier"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert query["code_challenge"] == digest.decode()
    assert verifier not in request.url and "s3cret" not in repr(request)


@responses.activate
def test_an_authority_other_than_microsofts_is_never_looked_up_at_microsoft():
    _discovery(responses, "https://login.sim.example")
    request = _auth(_config("https://login.sim.example")).authorization_request(TENANT, "st")
    assert request.url.startswith(f"https://login.sim.example/{TENANT}/oauth2/v2.0/authorize?")
    assert all("microsoftonline" not in c.request.url for c in responses.calls)


@responses.activate
def test_a_loopback_http_authority_works_in_local_mode_over_plain_http():
    origin = "http://127.0.0.1:7071"
    token_url = _discovery(responses, origin)
    auth = _auth(_config(origin, local=True))
    request = auth.authorization_request(TENANT, "st")
    assert request.url.startswith(f"{origin}/{TENANT}/oauth2/v2.0/authorize?")
    responses.post(token_url, json={"access_token": "at", "refresh_token": "rt",
                                    "expires_in": 3600})
    tokens = auth.redeem(TENANT, request.flow, code="c0de", state="st")
    assert tokens.refresh_token == "rt"
    assert [c.request.url.split(":")[0] for c in responses.calls] == ["http"] * 2


def test_plain_http_is_refused_outside_local_mode_and_off_loopback():
    with pytest.raises(ValueError):
        _auth(_config("http://127.0.0.1:7071"))
    with pytest.raises(ValueError):
        _auth(_config("http://login.sim.example", local=True))


@responses.activate
def test_redeeming_sends_the_verifier_and_returns_tokens_and_the_signed_in_user():
    token_url = _discovery(responses, "https://login.microsoftonline.com")
    auth = _auth()
    request = auth.authorization_request(TENANT, "st")
    nonce = hashlib.sha256(request.flow["nonce"].encode()).hexdigest()
    responses.post(token_url, json={
        "access_token": "at-1", "refresh_token": "rt-1", "expires_in": 3599,
        "id_token": _id_token(tid=TENANT, oid="u-1", name="Ada Admin", nonce=nonce)})
    tokens = auth.redeem(TENANT, request.flow, code="c0de", state="st")
    sent = parse_qs(responses.calls[-1].request.body)
    assert sent["code_verifier"] == [request.flow["code_verifier"]]
    assert sent["code"] == ["c0de"] and sent["client_secret"] == ["s3cret"]
    assert (tokens.access_token, tokens.refresh_token) == ("at-1", "rt-1")
    assert tokens.expires_at == NOW + timedelta(seconds=3599)
    assert (tokens.tenant_id, tokens.user_id, tokens.user_name) == (TENANT, "u-1", "Ada Admin")
    assert "at-1" not in repr(tokens) and "rt-1" not in repr(tokens)


@responses.activate
def test_a_refused_code_a_foreign_state_and_a_wrong_nonce_are_refusals_not_reconnects():
    token_url = _discovery(responses, "https://login.microsoftonline.com")
    auth = _auth()
    request = auth.authorization_request(TENANT, "st")
    responses.post(token_url, status=400, json={"error": "invalid_grant"})
    with pytest.raises(TokenRefused) as refused:
        auth.redeem(TENANT, request.flow, code="used", state="st")
    assert refused.value.code == "invalid_grant"
    assert not isinstance(refused.value, ReconnectRequired)
    with pytest.raises(TokenRefused, match="state_mismatch"):
        auth.redeem(TENANT, request.flow, code="c", state="another")
    responses.replace(responses.POST, token_url, json={
        "access_token": "a", "id_token": _id_token(nonce="forged")})
    with pytest.raises(TokenRefused, match="nonce_mismatch"):
        auth.redeem(TENANT, request.flow, code="c2", state="st")


@responses.activate
def test_a_rotated_refresh_token_comes_back_to_replace_the_stored_one():
    token_url = _discovery(responses, "https://login.microsoftonline.com")
    responses.post(token_url, json={"access_token": "at-2", "refresh_token": "rt-2",
                                    "expires_in": 3600})
    tokens = _auth().refresh(TENANT, "rt-1")
    assert (tokens.refresh_token, tokens.rotated) == ("rt-2", True)
    assert parse_qs(responses.calls[-1].request.body)["refresh_token"] == ["rt-1"]


@responses.activate
def test_without_a_new_refresh_token_the_old_one_stays():
    token_url = _discovery(responses, "https://login.microsoftonline.com")
    responses.post(token_url, json={"access_token": "at-2", "expires_in": 3600})
    tokens = _auth().refresh(TENANT, "rt-1")
    assert (tokens.refresh_token, tokens.rotated) == ("rt-1", False)


@responses.activate
@pytest.mark.parametrize("error", ["invalid_grant", "interaction_required"])
def test_a_refused_refresh_token_means_reconnect(error):
    token_url = _discovery(responses, "https://login.microsoftonline.com")
    responses.post(token_url, status=400, json={"error": error, "error_description": "x"})
    with pytest.raises(ReconnectRequired) as caught:
        _auth().refresh(TENANT, "rt-1")
    assert caught.value.code == error and "rt-1" not in str(caught.value)


@responses.activate
def test_a_wrong_client_secret_is_a_refusal_but_not_the_partners_to_fix():
    token_url = _discovery(responses, "https://login.microsoftonline.com")
    responses.post(token_url, status=401, json={"error": "invalid_client"})
    with pytest.raises(TokenRefused) as caught:
        _auth().refresh(TENANT, "rt-1")
    assert not isinstance(caught.value, ReconnectRequired)


@responses.activate
@pytest.mark.parametrize("answer", [
    {"status": 503, "body": "busy"},
    {"status": 429, "body": "<html>slow down</html>"},
    {"body": requests.ConnectionError("reset")},
    {"status": 400, "json": {"error": "temporarily_unavailable"}},
])
def test_network_429_and_5xx_are_retryable(answer):
    token_url = _discovery(responses, "https://login.microsoftonline.com")
    responses.post(token_url, **answer)
    with pytest.raises(TokenServiceUnavailable):
        _auth().refresh(TENANT, "rt-1")


@responses.activate
def test_an_unknown_tenant_or_an_unreachable_authority_are_told_apart():
    responses.get(f"https://login.microsoftonline.com/{TENANT}/v2.0/.well-known/"
                  "openid-configuration", status=400, json={"error": "invalid_tenant"})
    with pytest.raises(TokenRefused, match="invalid_tenant"):
        _auth().authorization_request(TENANT, "st")
    with pytest.raises(TokenServiceUnavailable):
        _auth(_config("https://login.sim.example")).authorization_request(TENANT, "st")
    with pytest.raises(TokenRefused, match="invalid_tenant"):
        _auth().authorization_request("../evil", "st")
