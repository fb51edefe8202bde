"""Every id, claim and token pattern is anchored at both ends: a valid value with a trailing
newline (where re.match with "$" would still match) is refused by each of them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.auth.errors import Unauthenticated
from shared.auth.principals import parse_principal
from shared.domain.errors import RuleViolation
from shared.domain.models import Country, Currency, Email, Phone, TenantId
from shared.http.errors import InvalidRequest
from shared.http.query_parameters import parse_filters
from shared.services.paging import TokenScope
from shared.storage.ports.ids import is_referral_id, new_referral_id

NL = "\n"


def _principal(tenant: str) -> str:
    claims = [{"typ": "tid", "val": tenant}, {"typ": "oid", "val": "o1"},
              {"typ": "roles", "val": "Referrals.Admin"}]
    return base64.b64encode(json.dumps({"claims": claims}).encode()).decode()


def test_tenant_claim():
    assert parse_principal(_principal("contoso")).tenant_id == "contoso"
    with pytest.raises(Unauthenticated):
        parse_principal(_principal("contoso" + NL))


def test_referral_id():
    rid = new_referral_id(datetime(2026, 1, 2, tzinfo=UTC))
    assert is_referral_id(rid)
    assert not is_referral_id(rid + NL)
    # Any Unicode digit is not a digit of ours.
    assert not is_referral_id("r" + "\u0661" * 13 + rid[14:])


def test_continuation_token():
    tokens = TokenScope(b"k" * 32, "t1", "q")
    token = tokens.encode("a|b")
    assert tokens.decode(token) == "a|b"
    for bad in (token + NL, token + " ", NL + token, tokens.encode("a|b" + NL)):
        with pytest.raises(RuleViolation):
            tokens.decode(bad)


@pytest.mark.parametrize("annotation,valid", [
    (TenantId, "contoso"), (Email, "ada@contoso.example"), (Phone, "+31 20 555 0100"),
    (Country, "NL"), (Currency, "EUR"),
])
def test_model_patterns(annotation, valid):
    adapter = TypeAdapter(annotation)
    assert adapter.validate_python(valid) == valid
    with pytest.raises(ValidationError):
        adapter.validate_python(valid + NL)


def test_country_filter():
    assert parse_filters({"country": "NL"}).country == "NL"
    with pytest.raises(InvalidRequest):
        parse_filters({"country": "NL" + NL})
