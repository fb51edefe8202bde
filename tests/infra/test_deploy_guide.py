"""infra/README.md against the Bicep: what a first deployment depends on the guide for.

- The deployer's Role Based Access Control Administrator condition allows exactly the role
  definition ids infra/modules/roles.bicep assigns (a missing one: the deployment is denied
  that assignment; an extra one: the deployer may hand out a role nobody needs).
- The provider-registration loop (and its check) covers every resource provider namespace the
  templates deploy to (a missing one: MissingSubscriptionRegistration on a new subscription).
- "What gets created" names every kind of resource the templates create, and the identity's
  roles are exactly those roles.bicep assigns.
- The azd quick start sets the variables the app needs in Azure, and main.parameters.json
  passes each to the parameter behind its app setting.

Each check is a function returning the problems it finds, so an edited copy of the guide can be
shown to fail (the ``*_is_caught`` tests).
"""

from __future__ import annotations

import json
import re

from tests.infra import sources

GUIDE = sources.INFRA / "README.md"
ROLES_BICEP = sources.INFRA / "modules" / "roles.bicep"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# Registered in every subscription: nothing to do for the newcomer.
ALWAYS_REGISTERED = {"Microsoft.Authorization", "Microsoft.Resources"}

# Each resource type the templates create -> words of the "What gets created" section that
# describe it. A new type fails test_every_created_type_is_described until it is added here and
# to the guide.
DESCRIBED_AS = {
    "Microsoft.ManagedIdentity/userAssignedIdentities": "User-assigned managed identity",
    "Microsoft.Authorization/roleAssignments": "It has exactly these roles",
    "Microsoft.Storage/storageAccounts": "Storage account",
    "Microsoft.Storage/storageAccounts/blobServices": "blob container",
    "Microsoft.Storage/storageAccounts/blobServices/containers": "`app-package`",
    "Microsoft.Storage/storageAccounts/tableServices": "the tables",
    "Microsoft.Storage/storageAccounts/tableServices/tables": "the tables",
    "Microsoft.Storage/storageAccounts/queueServices": "the queues",
    "Microsoft.Storage/storageAccounts/queueServices/queues": "the queues",
    "Microsoft.Insights/diagnosticSettings": "queue write operations are logged",
    "Microsoft.OperationalInsights/workspaces": "Log Analytics workspace",
    "Microsoft.Insights/components": "Application Insights",
    "Microsoft.Web/serverfarms": "Flex Consumption plan",
    "Microsoft.Web/sites": "function app",
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies": "basic-auth publishing is off",
    "Microsoft.Web/sites/config": "`authsettingsV2`",
    "Microsoft.KeyVault/vaults": "Key Vault",
    "Microsoft.KeyVault/vaults/secrets": "`webhook-secrets-key`",
    "Microsoft.Communication/communicationServices": "Communication Services",
    "Microsoft.Communication/emailServices": "Email Communication Service",
    "Microsoft.Communication/emailServices/domains": "Azure-managed domain",
    "Microsoft.Insights/actionGroups": "Action group",
    "Microsoft.Insights/scheduledQueryRules": "alert rules",
    "Microsoft.Insights/workbooks": "Workbook",
}

# azd variable -> the main.bicep parameter it fills: what the app needs set in Azure. The
# webhook secrets key (the app refuses to start in Azure without it or CONTINUATION_TOKEN_KEY),
# the API's app registration (else every route answers 401), where alerts go, the dashboard
# link, and Partner Center's app registration (else connecting answers 409).
AZD_REQUIRED = {
    "AUTH_CLIENT_ID": "authClientId",
    "WEBHOOK_SECRETS_KEY": "webhookSecretsKey",
    "DASHBOARD_URL": "dashboardUrl",
    "ALERT_EMAIL": "alertEmail",
    "PARTNER_CENTER_CLIENT_ID": "partnerCenterClientId",
    "PARTNER_CENTER_CLIENT_SECRET": "partnerCenterClientSecret",
}


def _guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def _section(guide: str, heading: str) -> str:
    start = guide.index(heading)
    end = guide.find("\n## ", start + len(heading))
    return guide[start: end if end >= 0 else len(guide)]


# ------------------------------------------------------------------------- the Bicep side


def assigned_role_ids() -> set[str]:
    return {g.lower() for g in GUID.findall(sources.bicep(ROLES_BICEP))}


def assigned_role_names() -> set[str]:
    """Role names from roles.bicep: the storage list and each assignment's description."""
    text = sources.bicep(ROLES_BICEP)
    names = set(re.findall(r"name: '([^']+)'\s+id: '", sources.bicep_var_block(text,
                                                                             "storageRoles")))
    for described in re.findall(r"description: '([^'$]+?) for the referrals function app'",
                                text):
        names.add(re.sub(r"\s*\([^)]*\)$", "", described))
    return names


def deployed_namespaces() -> set[str]:
    types = {rtype for _, rtype, _, _ in sources.bicep_resources(sources.all_bicep())}
    return {t.split("/", 1)[0] for t in types} - ALWAYS_REGISTERED


def created_types() -> set[str]:
    return {rtype for _, rtype, _, rest in sources.bicep_resources(sources.all_bicep())
            if not rest.startswith("existing")}


# ------------------------------------------------------------------------ the checks


def role_condition_problems(guide: str) -> list[str]:
    match = re.search(r'^ALLOWED="([^"]*)"', guide, re.M)
    if not match:
        return ["no ALLOWED=\"...\" line (the deployer's role condition)"]
    allowed = {g.lower() for g in GUID.findall(match.group(1))}
    wanted = assigned_role_ids()
    return ([f"the condition lacks role {g} that roles.bicep assigns" for g in sorted(
        wanted - allowed)] + [f"the condition allows role {g} that roles.bicep does not assign"
                              for g in sorted(allowed - wanted)])


def provider_problems(guide: str) -> list[str]:
    loop = re.search(r"for ns in ((?:[^;]|\\\n)*?); do", guide)
    check = re.search(r"contains\('([^']*)', namespace\)", guide)
    if not loop or not check:
        return ["no provider-registration loop or no registration check"]
    problems = []
    for where, listed in (("loop", loop.group(1)), ("check", check.group(1))):
        names = set(re.findall(r"Microsoft\.\w+", listed))
        problems += [f"the {where} does not register {ns}" for ns in sorted(
            deployed_namespaces() - names)]
        problems += [f"the {where} registers {ns}, which no template uses" for ns in sorted(
            names - deployed_namespaces())]
    return problems


def created_problems(guide: str) -> list[str]:
    section = _section(guide, "## What gets created")
    problems = [f"'What gets created' does not describe {t} ({DESCRIBED_AS[t]!r})"
                for t in sorted(created_types() & set(DESCRIBED_AS))
                if DESCRIBED_AS[t] not in section]
    identity = next((line for line in section.splitlines()
                     if line.startswith("| User-assigned managed identity")), "")
    listed = set(re.findall(r"\*\*([^*]+)\*\*", identity))
    problems += [f"the identity's roles lack {r}" for r in sorted(assigned_role_names() - listed)]
    problems += [f"the identity's roles list {r}, which roles.bicep does not assign"
                 for r in sorted(listed - assigned_role_names())]
    return problems


def azd_problems(guide: str) -> list[str]:
    quick = _section(guide, "## Quick start with azd")
    block = re.search(r"```bash\n(.*?)```", quick, re.S)
    commands = block.group(1) if block else ""
    doc = json.loads((sources.INFRA / "main.parameters.json").read_text(encoding="utf-8"))
    filled = {p: v["value"] for p, v in doc["parameters"].items() if isinstance(v["value"], str)}
    problems = []
    for variable, parameter in AZD_REQUIRED.items():
        if not re.search(rf"^azd env set {variable}\b", commands, re.M):
            problems.append(f"the azd quick start does not set {variable}")
        if filled.get(parameter) != f"${{{variable}}}":
            problems.append(f"main.parameters.json does not fill {parameter} from ${{{variable}}}")
    return problems


# ------------------------------------------------------------------------ the tests


def test_the_role_condition_allows_exactly_the_assigned_roles() -> None:
    assert len(assigned_role_ids()) == 6, assigned_role_ids()
    assert not role_condition_problems(_guide())


def test_every_deployed_provider_is_registered() -> None:
    assert "Microsoft.Communication" in deployed_namespaces()
    assert not provider_problems(_guide())


def test_every_created_type_is_described() -> None:
    unknown = sorted(created_types() - set(DESCRIBED_AS))
    assert not unknown, f"add these resource types to DESCRIBED_AS and the guide: {unknown}"
    stale = sorted(set(DESCRIBED_AS) - created_types())
    assert not stale, f"DESCRIBED_AS lists types no template creates: {stale}"
    assert not created_problems(_guide())


def test_the_azd_quick_start_sets_what_the_app_needs() -> None:
    settings = sources.bicep_app_settings()
    for variable in ("WEBHOOK_SECRETS_KEY", "DASHBOARD_URL", "PARTNER_CENTER_CLIENT_ID",
                     "PARTNER_CENTER_CLIENT_SECRET"):
        assert variable in settings, f"{variable} is no longer an app setting"
    assert not azd_problems(_guide())


def test_a_missing_role_id_is_caught() -> None:
    guide = _guide().replace(", 4633458b-17de-408a-b874-0445c86b69e6", "", 1)
    assert role_condition_problems(guide) == [
        "the condition lacks role 4633458b-17de-408a-b874-0445c86b69e6 that roles.bicep assigns"]


def test_a_missing_provider_is_caught() -> None:
    guide = _guide().replace(" Microsoft.Communication; do", "; do", 1)
    assert provider_problems(guide) == ["the loop does not register Microsoft.Communication"]


def test_a_missing_resource_or_role_is_caught() -> None:
    guide = re.sub(r"^\| Key Vault \(.*\n", "", _guide(), count=1, flags=re.M)
    guide = guide.replace(", **Key Vault Secrets User** on the Key Vault", "", 1)
    problems = created_problems(guide)
    assert "the identity's roles lack Key Vault Secrets User" in problems
    assert any("Microsoft.KeyVault/vaults (" in p for p in problems), problems


def test_a_missing_azd_variable_is_caught() -> None:
    guide = re.sub(r"^azd env set WEBHOOK_SECRETS_KEY .*\n", "", _guide(), count=1, flags=re.M)
    assert azd_problems(guide) == ["the azd quick start does not set WEBHOOK_SECRETS_KEY"]
