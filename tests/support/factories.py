"""Payloads and principals as the contract writes them, shared by every test layer."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

TENANT_CLAIM = "http://schemas.microsoft.com/identity/claims/tenantid"
ADMIN = "Referrals.Admin"
PARTNER_ADMIN = "Partner.Admin"
INTAKE = "Referrals.Intake"


def new_tenant() -> str:
    return str(uuid.uuid4())


def principal(tenant: str, *roles: str, name: str = "Ada Admin") -> str:
    claims = [
        {"typ": TENANT_CLAIM, "val": tenant},
        {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier",
         "val": str(uuid.uuid5(uuid.NAMESPACE_URL, name))},
        {"typ": "name", "val": name},
    ] + [{"typ": "roles", "val": r} for r in roles]
    raw = {"auth_typ": "aad", "name_typ": "name", "role_typ": "roles", "claims": claims}
    return base64.b64encode(json.dumps(raw).encode()).decode()


def headers(tenant: str, *roles: str) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": principal(tenant, *roles),
            "Content-Type": "application/json"}


def profile_body(webhook: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "companyName": "Contoso Cloud",
        "keywords": ["azure", "migration"],
        "customerSizes": ["1to50employees", "51to500employees"],
        "locations": [{"name": "Amsterdam", "country": "NL", "contacts": [
            {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@contoso.example",
             "phoneNumber": "+31 20 555 0100"}]}],
    }
    if webhook:
        body["webhookUrl"] = webhook
    return body


def intake_body(partner_id: str, qualification: str = "Direct", *,
                contact_me: bool = True, sender: str = "msft") -> dict[str, Any]:
    return {
        "partnerId": partner_id,
        "qualification": qualification,
        "customerProfile": {
            "name": "Fabrikam", "size": "51to500employees",
            "address": {"city": "Utrecht", "country": "NL"},
            "contacts": [{"firstName": "Bo", "lastName": "Jansen",
                          "email": "bo@fabrikam.example", "phoneNumber": "+31 30 555 0199"}],
        },
        "details": {"notes": "Wants to move 40 VMs", "customerRequestedContact": contact_me,
                    "requirements": {"products": ["Azure"], "industries": [], "services": []}},
        "invitedBy": {"organizationId": sender,
                      "organizationName": "Microsoft" if sender == "msft" else "Referrer"},
    }


def accept_body(closing: str = "2099-12-31") -> dict[str, Any]:
    return {"name": "Fabrikam migration", "dealValue": 25000.5, "currency": "EUR",
            "closingDate": closing, "notes": "Kick-off next week",
            "externalReferenceId": "CRM-42", "campaignId": "CAMP-7",
            "team": [{"firstName": "Grace", "lastName": "Hopper",
                      "email": "grace@contoso.example", "phoneNumber": "+31 20 555 0101"}]}


def member_body(email: str = "alan@contoso.example") -> dict[str, Any]:
    return {"firstName": "Alan", "lastName": "Turing", "email": email,
            "phoneNumber": "+44 20 555 0102"}
