"""Who may call: the principal header (local, easyauth) and Entra ID bearer tokens (entra)."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import replace

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth.entra import JwksCache
from shared.auth.errors import AccessDenied, Unauthenticated
from shared.auth.principals import ADMIN_ROLES, authenticate, parse_principal
from shared.settings import AuthMode, Settings, StorageSettings
from tests.support.factories import ADMIN, INTAKE, principal

JWKS_URL = "https://login.example/keys"
AUDIENCE = "api://referrals"
TID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BASE = Settings(storage=StorageSettings(connection_string="x"), auth_mode=AuthMode.LOCAL)


def b64(obj) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


# -- principal header ---------------------------------------------------------------------

def test_principal_gives_tenant_user_and_roles():
    caller = parse_principal(principal("ABC-tenant", ADMIN, INTAKE, name="Ada"))
    assert caller.tenant_id == "abc-tenant" and caller.name == "Ada"
    assert caller.roles == {ADMIN, INTAKE}


def test_short_tid_claim_is_accepted():
    raw = b64({"claims": [{"typ": "tid", "val": "t1"}, {"typ": "oid", "val": "o1"},
                          {"typ": "roles", "val": ADMIN}]})
    assert parse_principal(raw).tenant_id == "t1"


@pytest.mark.parametrize("raw", [None, "", "!!!", b64([1, 2]), b64({"claims": "x"}),
                                 b64({"claims": [{"typ": "roles", "val": ADMIN}]}),
                                 b64({"claims": [{"typ": "tid", "val": "bad/tenant"}]}),
                                 "A" * 20000])
def test_unreadable_principal_is_401(raw):
    with pytest.raises(Unauthenticated):
        parse_principal(raw)


def test_roles_are_required():
    caller = parse_principal(principal("t1", "Some.Other"))
    with pytest.raises(AccessDenied):
        caller.require(ADMIN_ROLES)


# -- modes fail closed ----------------------------------------------------------------------

def test_local_mode_refused_in_azure():
    hdrs = {"X-MS-CLIENT-PRINCIPAL": principal("t1", ADMIN)}
    assert authenticate(hdrs, BASE).tenant_id == "t1"
    with pytest.raises(Unauthenticated):
        authenticate(hdrs, replace(BASE, running_in_azure=True))


def test_easyauth_needs_platform_authentication():
    hdrs = {"x-ms-client-principal": principal("t1", ADMIN)}
    easy = replace(BASE, auth_mode=AuthMode.EASYAUTH)
    with pytest.raises(Unauthenticated):
        authenticate(hdrs, easy)
    assert authenticate(hdrs, replace(easy, easyauth_enabled=True)).tenant_id == "t1"


def test_settings_read_platform_flags():
    cfg = Settings.from_env({"AzureWebJobsStorage": "UseDevelopmentStorage=true",
                             "WEBSITE_INSTANCE_ID": "abc", "WEBSITE_AUTH_ENABLED": "True",
                             "CONTINUATION_TOKEN_KEY": "a2V5LW9mLXRoaXMtdGVzdC1ub3QtYS1zYW1wbGUtdmFsdWU="})
    assert cfg.running_in_azure and cfg.easyauth_enabled and cfg.auth_mode is AuthMode.EASYAUTH


# -- entra bearer tokens ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return key, {**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}


@pytest.fixture
def entra(keypair):
    settings = replace(BASE, auth_mode=AuthMode.ENTRA, entra_audience=AUDIENCE,
                       entra_jwks_url=JWKS_URL)
    cache = JwksCache(JWKS_URL, requests.Session())
    # Some tests are refused before any key is needed: not every test fetches the keys.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(JWKS_URL, json={"keys": [keypair[1]]})
        yield settings, cache, mock


def mint(key, *, kid="k1", alg="RS256", **overrides) -> str:
    now = int(time.time())
    claims = {"aud": AUDIENCE, "iss": f"https://login.microsoftonline.com/{TID}/v2.0",
              "tid": TID, "oid": "user-1", "name": "Ada", "roles": [ADMIN],
              "iat": now, "nbf": now - 10, "exp": now + 600, **overrides}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def auth(settings, cache, token: str):
    return authenticate({"Authorization": f"Bearer {token}"}, settings, lambda: cache)


def test_valid_token_gives_caller(entra, keypair):
    settings, cache, mock = entra
    caller = auth(settings, cache, mint(keypair[0]))
    assert (caller.tenant_id, caller.user_id, caller.roles) == (TID, "user-1", {ADMIN})
    auth(settings, cache, mint(keypair[0]))
    assert len(mock.calls) == 1  # keys fetched once and cached


@pytest.mark.parametrize("overrides", [
    {"exp": int(time.time()) - 3600},
    {"nbf": int(time.time()) + 3600},
    {"aud": "api://someone-else"},
    {"iss": "https://login.microsoftonline.com/other-tenant/v2.0"},
    {"iss": "https://sts.windows.net/other-tenant/"},
    {"iss": f"https://sts.windows.net/{TID}/v2.0"},
    {"iss": f"https://login.microsoftonline.com/{TID}/"},
    # The version claim contradicting the issuer.
    {"iss": f"https://sts.windows.net/{TID}/", "ver": "2.0"},
    {"ver": "1.0"},
    {"aud": "referrals-other"},
    {"aud": "api://api://referrals"},
])
def test_bad_claims_are_401(entra, keypair, overrides):
    settings, cache, _ = entra
    with pytest.raises(Unauthenticated):
        auth(settings, cache, mint(keypair[0], **overrides))


V1 = {"iss": f"https://sts.windows.net/{TID}/", "ver": "1.0"}
V2 = {"iss": f"https://login.microsoftonline.com/{TID}/v2.0", "ver": "2.0"}


@pytest.mark.parametrize("configured", ["api://referrals", "referrals"])
@pytest.mark.parametrize(("version", "aud"), [
    (V1, "api://referrals"),  # a default registration: v1.0, the App ID URI as audience
    (V1, "referrals"),
    (V2, "referrals"),  # requestedAccessTokenVersion 2: the bare client id
    (V2, "api://referrals"),
])
def test_v1_and_v2_tokens_with_either_audience_form(entra, keypair, configured, version, aud):
    settings, cache, _ = entra
    settings = replace(settings, entra_audience=configured)
    caller = auth(settings, cache, mint(keypair[0], aud=aud, **version))
    assert (caller.tenant_id, caller.roles) == (TID, {ADMIN})


def test_v1_token_without_ver_claim_is_accepted(entra, keypair):
    settings, cache, _ = entra
    caller = auth(settings, cache, mint(keypair[0], iss=f"https://sts.windows.net/{TID}/"))
    assert caller.tenant_id == TID


def test_unknown_key_is_401_after_one_refresh(entra):
    settings, cache, mock = entra
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(Unauthenticated):
        auth(settings, cache, mint(other, kid="k-unknown"))
    with pytest.raises(Unauthenticated):
        auth(settings, cache, mint(other, kid="k-unknown-2"))
    assert len(mock.calls) == 1  # refreshes are rate limited


def test_rotated_key_is_picked_up(keypair):
    settings = replace(BASE, auth_mode=AuthMode.ENTRA, entra_audience=AUDIENCE)
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    new_jwk = {**json.loads(RSAAlgorithm.to_jwk(new_key.public_key())), "kid": "k2"}
    cache = JwksCache(JWKS_URL, requests.Session())
    with responses.RequestsMock() as mock:
        mock.get(JWKS_URL, json={"keys": [keypair[1]]})
        auth(settings, cache, mint(keypair[0]))
        cache._fetched_at = time.monotonic() - 120  # a while later, Entra rotates keys
        mock.replace(responses.GET, JWKS_URL, json={"keys": [keypair[1], new_jwk]})
        assert auth(settings, cache, mint(new_key, kid="k2")).tenant_id == TID


def test_alg_none_is_401(entra):
    settings, cache, _ = entra
    token = jwt.encode({"aud": AUDIENCE, "tid": TID}, None, algorithm="none",
                       headers={"kid": "k1"})
    with pytest.raises(Unauthenticated):
        auth(settings, cache, token)


def test_hs256_signed_with_public_key_is_401(entra, keypair):
    settings, cache, _ = entra
    pem = keypair[0].public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": "k1"}
    now = int(time.time())
    payload = {"aud": AUDIENCE, "iss": f"https://login.microsoftonline.com/{TID}/v2.0",
               "tid": TID, "roles": [ADMIN], "nbf": now, "exp": now + 600}
    import hashlib
    import hmac

    def seg(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=")
    signing_input = seg(header) + b"." + seg(payload)
    sig = base64.urlsafe_b64encode(hmac.new(pem, signing_input, hashlib.sha256).digest())
    with pytest.raises(Unauthenticated):
        auth(settings, cache, (signing_input + b"." + sig.rstrip(b"=")).decode())


def test_tampered_payload_is_401(entra, keypair):
    settings, cache, _ = entra
    head, body, sig = mint(keypair[0]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["roles"] = [ADMIN, INTAKE]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(Unauthenticated):
        auth(settings, cache, f"{head}.{forged}.{sig}")


def test_tenant_allow_list(entra, keypair):
    settings, cache, _ = entra
    allowed = replace(settings, entra_allowed_tenants=frozenset({"someone-else"}))
    with pytest.raises(Unauthenticated):
        auth(allowed, cache, mint(keypair[0]))
    assert auth(replace(settings, entra_allowed_tenants=frozenset({TID})), cache,
                mint(keypair[0])).tenant_id == TID


@pytest.mark.parametrize("value", [None, "", "Basic abc", "Bearer ", "Bearer not.a.jwt"])
def test_missing_or_malformed_bearer_is_401(entra, value):
    settings, cache, _ = entra
    hdrs = {"Authorization": value} if value is not None else {}
    with pytest.raises(Unauthenticated):
        authenticate(hdrs, settings, lambda: cache)


def test_principal_header_is_ignored_in_entra_mode(entra):
    settings, cache, _ = entra
    with pytest.raises(Unauthenticated):
        authenticate({"X-MS-CLIENT-PRINCIPAL": principal(TID, ADMIN)}, settings, lambda: cache)


def test_no_audience_configured_refuses_everything(entra, keypair):
    settings, cache, _ = entra
    with pytest.raises(Unauthenticated):
        auth(replace(settings, entra_audience=None), cache, mint(keypair[0]))
