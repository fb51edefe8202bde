"""The simulated identity platform works with the real MSAL for Python: the
authorization-code flow with PKCE, refresh with rotation, and ``invalid_grant`` once a
refresh token is revoked. MSAL accepts only https authorities, so this runs the simulation
with TLS from its own CA (trusted by the session MSAL uses)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import msal
import pytest
import requests

from tools.partner_center_sim import DEFAULT_TENANT, SimulatorHandle, start_simulator

from .helpers import REDIRECT, authorize

SCOPE = "https://api.partner.microsoft.com/user_impersonation"
# The contract's callback takes the code in the query, so MSAL's form_post advice is noise.
pytestmark = pytest.mark.filterwarnings("ignore:response_mode='form_post':UserWarning")


@pytest.fixture(scope="module")
def tls_sim() -> Iterator[SimulatorHandle]:
    handle = start_simulator(tls=True, retry_delay=0.01)
    yield handle
    handle.stop()


@pytest.fixture
def http(tls_sim) -> requests.Session:
    tls_sim.reset()
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment wins over verify
    session.verify = str(tls_sim.ca_pem_path)
    return session


def _app(sim, http, secret=None) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        sim.client_id, client_credential=secret or sim.client_secret,
        authority=f"{sim.url}/{DEFAULT_TENANT}", http_client=http, instance_discovery=False,
        token_cache=msal.TokenCache())


def _connect(sim, http, app=None) -> dict:
    app = app or _app(sim, http)
    flow = app.initiate_auth_code_flow([SCOPE], redirect_uri=REDIRECT, state="state-1")
    assert flow["auth_uri"].startswith(f"{sim.url}/{DEFAULT_TENANT}/oauth2/v2.0/authorize?")
    assert "code_challenge_method=S256" in flow["auth_uri"]
    redirect = http.get(flow["auth_uri"], allow_redirects=False, timeout=5)
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    reply = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert reply["state"] == "state-1"
    return app.acquire_token_by_auth_code_flow(flow, reply, scopes=[SCOPE])


def test_msal_connects_with_the_authorization_code_flow_and_pkce(tls_sim, http):
    result = _connect(tls_sim, http)
    assert "access_token" in result, result
    assert result["refresh_token"].startswith("simrt_")
    assert result["id_token_claims"]["tid"] == DEFAULT_TENANT
    listed = http.get(f"{tls_sim.api_url}/referrals", timeout=5,
                      headers={"Authorization": f"Bearer {result['access_token']}"})
    assert listed.status_code == 200 and listed.json()["value"] == []


def test_refresh_rotates_the_refresh_token(tls_sim, http):
    app = _app(tls_sim, http)
    first = _connect(tls_sim, http, app)
    second = app.acquire_token_by_refresh_token(first["refresh_token"], scopes=[SCOPE])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert http.get(f"{tls_sim.api_url}/referrals", timeout=5, headers={
        "Authorization": f"Bearer {second['access_token']}"}).status_code == 200
    counters = http.get(f"{tls_sim.url}/_sim/counters", timeout=5)
    assert counters.json()["staleRefreshTokenUses"] == 0
    app.acquire_token_by_refresh_token(first["refresh_token"], scopes=[SCOPE])  # the old one
    counters = http.get(f"{tls_sim.url}/_sim/counters", timeout=5)
    assert counters.json()["staleRefreshTokenUses"] == 1


def test_a_revoked_refresh_token_is_invalid_grant(tls_sim, http):
    app = _app(tls_sim, http)
    tokens = _connect(tls_sim, http, app)
    revoked = http.post(f"{tls_sim.url}/_sim/tenants/{DEFAULT_TENANT}/revoke", json={},
                        timeout=5)
    assert revoked.json()["revoked"] >= 1
    result = app.acquire_token_by_refresh_token(tokens["refresh_token"], scopes=[SCOPE])
    assert result["error"] == "invalid_grant"


def test_a_reused_refresh_token_can_be_made_to_fail(tls_sim, http):
    app = _app(tls_sim, http)
    first = _connect(tls_sim, http, app)
    http.post(f"{tls_sim.url}/_sim/config", json={"rejectReusedRefreshTokens": True},
              timeout=5)
    assert "access_token" in app.acquire_token_by_refresh_token(first["refresh_token"],
                                                                scopes=[SCOPE])
    again = app.acquire_token_by_refresh_token(first["refresh_token"], scopes=[SCOPE])
    assert again["error"] == "invalid_grant"


def test_a_wrong_client_secret_is_invalid_client(tls_sim, http):
    result = _connect(tls_sim, http, _app(tls_sim, http, secret="not-the-secret"))
    assert result["error"] == "invalid_client"


def test_pkce_verifier_and_single_use_codes_are_checked(sim):
    form = {"grant_type": "authorization_code", "redirect_uri": REDIRECT,
            "client_id": sim.client_id, "client_secret": sim.client_secret}
    token_url = f"{sim.url}/{DEFAULT_TENANT}/oauth2/v2.0/token"
    code, verifier = authorize(sim)
    wrong = requests.post(token_url, data={**form, "code": code, "code_verifier": "x" * 43},
                          timeout=5)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code, verifier = authorize(sim)
    ok = requests.post(token_url, data={**form, "code": code, "code_verifier": verifier},
                       timeout=5)
    assert ok.status_code == 200
    replay = requests.post(token_url, data={**form, "code": code, "code_verifier": verifier},
                           timeout=5)
    assert replay.json()["error"] == "invalid_grant"


def test_an_injected_consent_refusal_redirects_with_error(sim):
    requests.post(f"{sim.url}/_sim/faults", json={"endpoint": "authorize", "status": 302,
                                                  "oauthError": "access_denied"}, timeout=5)
    answer = requests.get(f"{sim.url}/{DEFAULT_TENANT}/oauth2/v2.0/authorize", params={
        "client_id": sim.client_id, "response_type": "code", "redirect_uri": REDIRECT,
        "state": "s"}, allow_redirects=False, timeout=5)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["state"] == ["s"]


def test_openid_configuration_names_the_simulations_endpoints(sim):
    config = requests.get(
        f"{sim.url}/{DEFAULT_TENANT}/v2.0/.well-known/openid-configuration", timeout=5).json()
    assert config["token_endpoint"] == f"{sim.url}/{DEFAULT_TENANT}/oauth2/v2.0/token"
    assert config["authorization_endpoint"].endswith("/oauth2/v2.0/authorize")
    assert config["issuer"] == f"{sim.url}/{DEFAULT_TENANT}/v2.0"
