"""Referrals as Partner Center shapes them, made up deterministically from a seed.

Shapes from Microsoft's Partner Center docs "Referral resources" and "Create a referral"
(request and response examples): ``id``, ``engagementId``, ``organizationId``,
``organizationName``, ``name``, ``externalReferenceId``, ``createdDateTime``,
``updatedDateTime``, ``expirationDateTime``, ``acceptedDateTime``, ``status`` (New, Active,
Closed), ``substatus`` (Pending, Received / Accepted, Engaged / Won, Lost, Declined,
Expired), ``statusReason``, ``type`` (Independent, Shared), ``qualification``,
``direction`` (Incoming, Outgoing), ``eTag``, ``target``, ``consent``, ``details``
(``notes``, ``dealValue``, ``currency``, ``closingDateTime``, ``requirements``),
``customerProfile`` (``name``, ``address``, ``size``, ``team``, ``ids``), ``team``,
``inviteContext`` (``invitedBy``, ``notes``) and ``links``.

Kinds: ``lead`` (Incoming, Independent, Direct / MarketingQualified / SalesQualified,
invited by ``msft``: what the product imports), ``cosell`` (Incoming, Shared: skipped),
``partner`` (Incoming Independent invited by another partner: skipped) and ``outgoing``.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from .timefmt import fmt

KINDS = ("lead", "cosell", "partner", "outgoing")
LEAD_QUALIFICATIONS = ("Direct", "MarketingQualified", "SalesQualified")
RESPONSE_WINDOW = timedelta(days=14)  # Partner Center expires a new lead after 14 days
_FIRST = ("Ada", "Grace", "Alan", "Joan", "Linus", "Barbara", "Ken", "Margaret", "Tim", "Radia")
_LAST = ("Lovelace", "Hopper", "Turing", "Clarke", "Torvalds", "Liskov", "Thompson",
         "Hamilton", "Berners-Lee", "Perlman")
_COMPANIES = ("Contoso", "Fabrikam", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank",
              "Litware", "Adventure Works", "Proseware", "Wide World Importers", "Alpine Ski")
_PRODUCTS = ("Dynamics365Enterprise", "AzureMigration", "Microsoft365E5", "AzureAI",
             "PowerPlatform")
_SIZES = ("1to9employees", "10to50employees", "51to250employees", "251to1000employees",
          "1001to5000employees", "5001to10000employees")
_CITIES = (("Redmond", "WA", "98052", "US"), ("Dublin", "", "D02", "IE"),
           ("Paris", "", "75001", "FR"), ("Sydney", "NSW", "2000", "AU"))


def person(rng: random.Random, domain: str) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {"firstName": first, "lastName": last,
            "email": f"{first}.{last}@{domain}".lower().replace("-", ""),
            "phoneNumber": f"+1425{rng.randrange(10**6, 10**7)}",
            "contactPreference": {"locale": "en-us", "disableNotifications": False}}


def _customer(rng: random.Random) -> dict[str, Any]:
    company = f"{rng.choice(_COMPANIES)} {rng.randrange(1, 999)}"
    domain = company.split()[0].lower() + ".example"
    city, state, postal, country = rng.choice(_CITIES)
    team = [person(rng, domain) for _ in range(rng.randint(1, 2))]
    return {"name": company,
            "address": {"addressLine1": f"{rng.randrange(1, 400)} Main Street",
                        "addressLine2": "", "city": city, "state": state,
                        "postalCode": postal, "country": country},
            "size": rng.choice(_SIZES), "team": team, "ids": []}


def _details(rng: random.Random, created: datetime) -> dict[str, Any]:
    product = rng.choice(_PRODUCTS)
    return {"notes": f"Customer is interested in {product}.",
            "dealValue": rng.randrange(5, 500) * 1000, "currency": "USD",
            "closingDateTime": fmt(created + timedelta(days=rng.randint(30, 180))),
            "requirements": {"industries": [{"id": "Manufacturing"}],
                             "products": [{"id": product}],
                             "services": [{"id": "DeploymentOrMigration"}],
                             "solutions": []}}


def _shape(kind: str, rng: random.Random) -> dict[str, Any]:
    """The fields that make a referral a lead, a co-sell opportunity or something else."""
    msft = {"invitedBy": {"organizationId": "msft", "organizationName": "Microsoft"},
            "notes": "Marketplace lead routed by Microsoft."}
    if kind == "lead":
        return {"type": "Independent", "direction": "Incoming", "inviteContext": msft,
                "qualification": rng.choice(LEAD_QUALIFICATIONS), "target": []}
    if kind == "cosell":
        return {"type": "Shared", "direction": "Incoming", "inviteContext": msft,
                "qualification": "SalesQualified",
                "target": [{"type": "SolutionProfile", "id": f"SOL-{rng.randrange(10**5)}-SIM"}]}
    if kind == "partner":
        other = {"invitedBy": {"organizationId": str(uuid.UUID(int=rng.getrandbits(128))),
                               "organizationName": "Another Partner Ltd"}, "notes": "Hi!"}
        return {"type": "Independent", "direction": "Incoming", "inviteContext": other,
                "qualification": "SalesQualified", "target": []}
    if kind == "outgoing":
        return {"type": "Shared", "direction": "Outgoing", "inviteContext": {},
                "qualification": "SalesQualified",
                "target": [{"type": "BusinessProfileLocation", "id": "msft"}]}
    raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")


def make_referral(rng: random.Random, kind: str, created: datetime,
                  organization: dict[str, str]) -> dict[str, Any]:
    """A new referral (status New, substatus Received) created at ``created``; the store
    sets ``eTag``, ``updatedDateTime`` and ``links``."""
    customer = _customer(rng)
    referral: dict[str, Any] = {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "engagementId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "organizationId": organization["id"], "organizationName": organization["name"],
        "name": f"{customer['name']} - {rng.choice(_PRODUCTS)}",
        "externalReferenceId": None,
        "createdDateTime": fmt(created), "updatedDateTime": fmt(created),
        "expirationDateTime": fmt(created + RESPONSE_WINDOW), "acceptedDateTime": None,
        "status": "New", "substatus": "Received", "statusReason": None,
        "consent": {"consentToShareInfoWithOthers": True, "consentToContact": True},
        "details": _details(rng, created), "customerProfile": customer, "team": [],
    }
    referral.update(_shape(kind, rng))
    return referral


def seeded_history(rng: random.Random, referral: dict[str, Any], now: datetime,
                   ) -> dict[str, str | None]:
    """Where an older seeded referral stands today: most are still New; some were
    accepted or closed; a New one older than 14 days was expired by Partner Center."""
    created = datetime.fromisoformat(referral["createdDateTime"].replace("Z", "+00:00"))
    roll = rng.random()
    if roll < 0.7:
        if now - created > RESPONSE_WINDOW and referral["direction"] == "Incoming":
            return {"status": "Closed", "substatus": "Expired"}
        return {}
    accepted = fmt(created + (now - created) / 3)
    if roll < 0.85:
        return {"status": "Active", "substatus": "Accepted", "acceptedDateTime": accepted}
    closing = rng.choice(("Won", "Lost", "Declined"))
    return {"status": "Closed", "substatus": closing,
            "acceptedDateTime": None if closing == "Declined" else accepted,
            "statusReason": None if closing == "Won" else "Budget: not this year"}
