"""AUTH_MODE=entra while the signing-key endpoint is down: 503 with Retry-After (the token
may be valid), a failed fetch retried within seconds rather than a minute, and valid tokens
accepted again as soon as the endpoint answers."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import azure.functions as func
import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth.entra import RETRY_FAILED_FETCH_SECONDS, JwksCache
from shared.auth.errors import KeysUnavailable, Unauthenticated
from shared.settings import AuthMode
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp
from tests.unit.test_auth import AUDIENCE, BASE, JWKS_URL, auth, mint

DOWN = requests.ConnectionError("connection refused")


@pytest.fixture
def keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return key, {**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}


@pytest.fixture
def settings():
    return replace(BASE, auth_mode=AuthMode.ENTRA, entra_audience=AUDIENCE,
                   entra_jwks_url=JWKS_URL)


def _age(cache: JwksCache, seconds: float) -> None:
    cache._fetched_at = time.monotonic() - seconds  # as if that long ago


def test_keys_down_is_unavailable_then_recovers_within_seconds(settings, keypair):
    cache = JwksCache(JWKS_URL, requests.Session())
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URL, body=DOWN)
        with pytest.raises(KeysUnavailable):
            auth(settings, cache, mint(keypair[0]))
        with pytest.raises(KeysUnavailable):  # not asked again at once...
            auth(settings, cache, mint(keypair[0]))
        assert len(mock.calls) == 1
        mock.replace(responses.GET, JWKS_URL, json={"keys": [keypair[1]]})
        _age(cache, RETRY_FAILED_FETCH_SECONDS)  # ...but a few seconds later
        assert auth(settings, cache, mint(keypair[0])).tenant_id
        assert len(mock.calls) == 2


def test_a_known_key_keeps_working_while_the_endpoint_is_down(settings, keypair):
    cache = JwksCache(JWKS_URL, requests.Session())
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URL, json={"keys": [keypair[1]]})
        auth(settings, cache, mint(keypair[0]))
        mock.replace(responses.GET, JWKS_URL, body=DOWN)
        _age(cache, 120)
        with pytest.raises(KeysUnavailable):  # an unknown key: cannot tell, so retry later
            auth(settings, cache, mint(keypair[0], kid="k-new"))
        assert auth(settings, cache, mint(keypair[0])).tenant_id  # the cached key still works


def test_an_unknown_key_with_fresh_keys_is_still_401(settings, keypair):
    cache = JwksCache(JWKS_URL, requests.Session())
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URL, json={"keys": [keypair[1]]})
        with pytest.raises(Unauthenticated):
            auth(settings, cache, mint(keypair[0], kid="k-made-up"))


@pytest.mark.parametrize("failure", [DOWN, "not json"])
def test_edge_answers_503_with_retry_after(settings, keypair, failure):
    app = MemoryApp(settings=settings)
    runtime = app.runtime()
    req = func.HttpRequest("GET", "http://127.0.0.1:7071/api/referrals", body=b"",
                           headers={"Authorization": f"Bearer {mint(keypair[0])}"})
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URL, body=failure)
        resp = call_route("list_referrals", req, runtime)
    body = json.loads(resp.get_body())
    assert resp.status_code == 503 and resp.headers["Retry-After"].isdigit()
    assert body["error"]["code"] == "serviceUnavailable"
    assert set(body["error"]) == {"code", "message", "target", "details"}
