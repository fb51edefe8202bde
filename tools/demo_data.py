"""Fill a local instance with demo data, through the public HTTP API only.

    .venv/bin/python -m tools.demo_data [--base http://127.0.0.1:7071/api] [--tenant ID]
                                        [--wait SECONDS] [--force] [--inbox URL]

Needs AUTH_MODE=local (it sends the principal header as Easy Auth would). Creates the
partner's business profile and 30 referrals of the three kinds, in every stage reachable over
HTTP: received, accepted, won, lost and declined; several asked to be contacted ("urgent").
Expired needs the response window to pass (the sweep: `POST /admin/functions/expire_referrals`
with a short REFERRAL_RESPONSE_WINDOW), and "reminder" needs CONTACT_ALERT_WINDOW to pass, so
neither is produced here. A tenant with 30 or more referrals is left alone unless --force.
With --inbox (scripts/run passes its webhook inbox, tools/webhook_inbox) the profile's
webhookUrl is the inbox's /partner, and the new webhook secret is handed to the inbox, so every
webhook is delivered there and verifies.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import requests

DEFAULT_BASE = "http://127.0.0.1:7071/api"
DEFAULT_TENANT = "11111111-2222-3333-4444-555555555555"
REFERRER = "99999999-8888-7777-6666-555555555555"
TENANT_CLAIM = "http://schemas.microsoft.com/identity/claims/tenantid"


def principal(tenant: str, role: str, name: str) -> str:
    claims = [{"typ": TENANT_CLAIM, "val": tenant}, {"typ": "name", "val": name},
              {"typ": "oid", "val": str(uuid.uuid5(uuid.NAMESPACE_URL, name))},  # required
              {"typ": "roles", "val": role}]
    raw = {"auth_typ": "aad", "name_typ": "name", "role_typ": "roles", "claims": claims}
    return base64.b64encode(json.dumps(raw).encode()).decode()


@dataclass(frozen=True)
class Lead:
    customer: str
    city: str
    country: str
    size: str
    need: str
    products: tuple[str, ...]
    kind: str  # Direct | MarketingQualified | SalesQualified
    fate: str  # received | accepted | won | lost | declined
    contact_me: bool = False
    favorite: bool = False
    from_partner: bool = False


SIZES = {"S": "1to50employees", "M": "51to500employees", "L": "Morethan500employees"}
KINDS = {"D": "Direct", "MQ": "MarketingQualified", "SQ": "SalesQualified"}
# customer | city | country | size | need | products | kind | fate | flags: c = contact me,
# f = favorite, p = sent by another partner (not Microsoft)
TABLE = """
Fabrikam|Utrecht|NL|M|Wants to move 40 VMs before the lease ends.|Azure|D|received|cf
Tailspin Toys|Rotterdam|NL|S|Microsoft 365 for 25 new hires.|Microsoft 365|D|received|c
Wingtip Toys|Antwerp|BE|S|Looking for a Teams Phone rollout.|Teams|MQ|received|
Contoso Pharmaceuticals|Basel|CH|L|Data platform modernisation.|Fabric,Azure|SQ|received|f
Adatum Corporation|Berlin|DE|L|SAP on Azure landing zone.|Azure|SQ|received|c
Litware|Lyon|FR|M|Security assessment after an incident.|Defender|D|received|
Lucerne Publishing|Lucerne|CH|S|Archive 2 TB of documents.|SharePoint|MQ|received|
Margie's Travel|Dublin|IE|S|A booking bot on Copilot Studio.|Copilot Studio|D|received|cp
Northwind Traders|London|GB|M|Dynamics 365 Sales for 60 sellers.|Dynamics 365|SQ|received|
Proseware|Madrid|ES|M|AKS review and cost optimisation.|AKS|D|received|
Relecloud|Oslo|NO|L|Migrate 300 SQL Server databases.|Azure SQL|SQ|accepted|f
School of Fine Art|Vienna|AT|M|Intune for 800 student laptops.|Intune|MQ|accepted|
Southridge Video|Milan|IT|S|Media storage with a CDN.|Azure|D|accepted|c
Trey Research|Copenhagen|DK|M|Power BI rollout for finance.|Power BI|D|accepted|
VanArsdel|Brussels|BE|L|Azure OpenAI pilot for customer service.|Azure OpenAI|SQ|accepted|p
Woodgrove Bank|Amsterdam|NL|L|Zero-trust network redesign.|Entra|MQ|accepted|
Coho Winery|Porto|PT|S|E-commerce site on App Service.|App Service|D|accepted|
Alpine Ski House|Innsbruck|AT|S|Backup for 12 servers.|Azure Backup|MQ|accepted|
Best For You Organics|Hamburg|DE|M|Business Central.|Dynamics 365|D|won|
Consolidated Messenger|Warsaw|PL|L|Contact centre on Azure.|Azure|SQ|won|f
Fourth Coffee|Seattle|US|M|Windows 365 for the back office.|Windows 365|MQ|won|
Graphic Design Institute|Edinburgh|GB|S|Microsoft 365 A3 licensing.|Microsoft 365|D|won|
Humongous Insurance|Zurich|CH|L|Mainframe offload to Azure.|Azure|SQ|lost|
Blue Yonder Airlines|Helsinki|FI|L|Crew app on Power Apps.|Power Apps|MQ|lost|
City Power & Light|Gothenburg|SE|L|IoT telemetry for the grid.|Azure IoT|D|lost|
A. Datum Logistics|Prague|CZ|M|Warehouse scanners on Android.|Intune|D|declined|
Bellows College|Cork|IE|M|Needs on-site printer repair.||D|declined|
Datum Analytics|Tallinn|EE|S|Same request as last week.|Azure|MQ|declined|
First Up Consultants|Lisbon|PT|S|Wants a free license key.||SQ|declined|p
Wide World Importers|Valencia|ES|M|Supply Chain in 6 countries.|Dynamics 365|SQ|declined|
"""


def _leads() -> list[Lead]:
    leads = []
    for row in TABLE.strip().splitlines():
        name, city, country, size, need, products, kind, fate, flags = row.split("|")
        leads.append(Lead(name, city, country, SIZES[size], need,
                          tuple(p for p in products.split(",") if p), KINDS[kind], fate,
                          "c" in flags, "f" in flags, "p" in flags))
    return leads


LEADS = _leads()
DECLINES = ["NotAFit", "UnableToSupport", "DuplicateReferral", "Other", "CustomerProblemUnclear"]
CURRENCIES = ["EUR", "USD", "GBP"]


class Client:
    def __init__(self, base: str, tenant: str) -> None:
        self.base = base.rstrip("/")
        self.session = requests.Session()
        self.admin = {"X-MS-CLIENT-PRINCIPAL": principal(tenant, "Referrals.Admin", "Demo Admin")}
        self.intake = {"X-MS-CLIENT-PRINCIPAL": principal("msft-systems", "Referrals.Intake",
                                                          "Microsoft intake")}

    def call(self, method: str, path: str, body: Any = None, *, intake: bool = False
             ) -> dict[str, Any]:
        resp = self.session.request(method, self.base + path, json=body, timeout=30,
                                    headers=self.intake if intake else self.admin)
        if resp.status_code >= 400:
            raise SystemExit(f"{method} {path} -> {resp.status_code}: {resp.text}")
        return dict(resp.json())


def wait_for(api: Client, seconds: float) -> None:
    """Until the app answers with its storage up (the host may answer before Azurite)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            resp = api.session.get(api.base + "/referrals?top=1", headers=api.admin, timeout=5)
            if resp.status_code < 500:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"demo data: {api.base} did not answer within {seconds:.0f} s")
        time.sleep(0.5)


def count(api: Client, limit: int) -> int:
    """How many referrals the tenant has, counting up to about ``limit``."""
    page, seen = api.call("GET", "/referrals?top=100"), 0
    while True:
        seen += len(page["value"])
        if seen >= limit or "nextLink" not in page:
            return seen
        page = dict(api.session.get(page["nextLink"], headers=api.admin, timeout=30).json())


def profile(webhook_url: str | None = None) -> dict[str, Any]:
    return {**({"webhookUrl": webhook_url} if webhook_url else {}),
        "companyName": "Contoso Cloud", "keywords": ["azure", "migration", "modern work"],
        "customerSizes": list(SIZES.values()),
        "locations": [
            {"name": "Amsterdam", "country": "NL", "contacts": [
                {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@contoso.example",
                 "phoneNumber": "+31 20 555 0100"}]},
            {"name": "London", "country": "GB", "contacts": [
                {"firstName": "Alan", "lastName": "Turing", "email": "alan@contoso.example",
                 "phoneNumber": "+44 20 555 0102"}]},
        ],
    }


def intake(tenant: str, lead: Lead) -> dict[str, Any]:
    first, last = "Bo", lead.customer.split()[0].strip(".'")
    domain = "".join(ch for ch in lead.customer.lower() if ch.isascii() and ch.isalnum())
    return {
        "partnerId": tenant, "qualification": lead.kind,
        "customerProfile": {
            "name": lead.customer, "size": lead.size,
            "address": {"city": lead.city, "country": lead.country},
            "contacts": [{"firstName": first, "lastName": last,
                          "email": f"bo@{domain}.example",
                          "phoneNumber": "+31 30 555 0199"}]},
        "details": {"notes": lead.need, "customerRequestedContact": lead.contact_me,
                    "requirements": {"products": list(lead.products)}},
        "invitedBy": {"organizationId": REFERRER, "organizationName": "Northwind Partners"}
        if lead.from_partner else {"organizationId": "msft", "organizationName": "Microsoft"},
    }


def accept(lead: Lead, i: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"{lead.customer}: {(lead.products or ('Services',))[0]}",
        "dealValue": float(5000 * (i % 9 + 1) + 250), "currency": CURRENCIES[i % 3],
        "closingDate": (date.today() + timedelta(days=20 + 7 * (i % 10))).isoformat(),
        "externalReferenceId": f"CRM-{1000 + i}",
        "campaignId": f"CAMP-{i % 4 + 1}",
    }
    if i % 2:
        body["team"] = [{"firstName": "Grace", "lastName": "Hopper",
                         "email": "grace@contoso.example", "phoneNumber": "+31 20 555 0101"}]
    return body


def connect_inbox(api: Client, inbox: str) -> None:
    """A new webhook secret, given to the inbox so it can tell the webhooks verify."""
    secret = api.call("POST", "/profile/webhook/secret")["secret"]
    resp = api.session.post(inbox.rstrip("/") + "/secret", data=secret.encode(), timeout=10)
    if resp.status_code >= 400:
        raise SystemExit(f"the webhook inbox refused the secret: {resp.text}")


def run(api: Client, tenant: str, force: bool, inbox: str | None = None) -> int:
    if not force and count(api, len(LEADS)) >= len(LEADS):
        print(f"demo data: tenant {tenant} already has {len(LEADS)} or more referrals; "
              "nothing added (--force adds more)")
        return 0
    api.call("PUT", "/profile", profile(inbox.rstrip("/") + "/partner" if inbox else None))
    if inbox:
        connect_inbox(api, inbox)
    counts: dict[str, int] = {}
    for i, lead in enumerate(LEADS):
        rid = api.call("POST", "/referrals", intake(tenant, lead), intake=True)["id"]
        path = f"/referrals/{rid}"
        if lead.fate in ("accepted", "won", "lost"):
            api.call("POST", path + "/accept", accept(lead, i))
        if lead.fate == "won":
            api.call("POST", path + "/win", {"notes": "Signed; project starts next month."})
        elif lead.fate == "lost":
            api.call("POST", path + "/lose", {
                "reason": "NoBudget", "notes": "Budget moved to next year; follow up in Q3."})
        elif lead.fate == "declined":
            reason = DECLINES[i % len(DECLINES)]
            api.call("POST", path + "/decline", {"reason": reason, "notes": "Outside our scope."
                                                 if reason == "Other" else None})
        if lead.favorite:
            api.call("PUT", path + "/favorite")
        counts[lead.fate] = counts.get(lead.fate, 0) + 1
    summary = ", ".join(f"{n} {fate}" for fate, n in counts.items())
    print(f"demo data: {len(LEADS)} referrals for tenant {tenant} ({summary})")
    print(f"demo data: open {api.base}/ui and use Local sign-in with tenant {tenant}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo_data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=DEFAULT_BASE, help="the API base URL")
    parser.add_argument("--tenant", default=DEFAULT_TENANT, help="the partner's tenant id")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="wait this long for the app (and its storage) to answer")
    parser.add_argument("--force", action="store_true", help="add data even if some exists")
    parser.add_argument("--inbox", help="a webhook inbox (tools/webhook_inbox) to point the "
                                        "profile's webhookUrl at")
    args = parser.parse_args(argv)
    api = Client(args.base, args.tenant)
    if args.wait:
        wait_for(api, args.wait)
    return run(api, args.tenant, args.force, args.inbox)


if __name__ == "__main__":
    sys.exit(main())
