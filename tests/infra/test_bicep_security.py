"""Security and platform properties of the Bicep, asserted over its text (comments removed).

The Bicep itself is compiled and linted in CI (.github/workflows/ci.yml, `bicep` job); these
checks pin down the decisions a compile cannot: no keys anywhere, least-privilege roles,
Entra-only telemetry, Flex Consumption with Python 3.11, the authentication wiring.
"""

from __future__ import annotations

import json
import re

from tests.infra import sources

MODULES = sources.INFRA / "modules"

STORAGE_ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3": "Storage Table Data Contributor",
    "974c5e8b-45b9-4653-ba55-5f855dd0fb88": "Storage Queue Data Contributor",
}
MONITORING_METRICS_PUBLISHER = "3913510d-42f4-4e42-8a64-420c390055eb"
KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"  # reads WEBHOOK_SECRETS_KEY
# Sends the e-mail alerts through Communication Services (ACS has no narrower built-in role
# that can send with Entra ID); scoped to that one resource.
COMMUNICATION_EMAIL_OWNER = "09976791-48a7-449e-bb21-39d1a415f350"
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def _module(name: str) -> str:
    return sources.bicep(MODULES / name)


def test_storage_account_refuses_keys_and_plain_http() -> None:
    body = sources.resource_body(_module("storage.bicep"), "storage")
    for setting in (
        "allowSharedKeyAccess: false",
        "minimumTlsVersion: 'TLS1_2'",
        "allowBlobPublicAccess: false",
        "supportsHttpsTrafficOnly: true",
        "defaultToOAuthAuthentication: true",
    ):
        assert setting in body, f"storage account must set {setting}"


def test_no_key_or_connection_string_anywhere() -> None:
    raw = "\n".join(p.read_text(encoding="utf-8") for p in sources.bicep_files())
    raw += (sources.INFRA / "main.parameters.json").read_text(encoding="utf-8")
    for needle in ("AccountKey", "listKeys(", "listkeys(", "SharedAccessSignature",
                   "listAccountSas", "listServiceSas", "DefaultEndpointsProtocol",
                   "primaryKey", "InstrumentationKey="):
        assert needle.lower() not in raw.lower(), f"{needle!r} found in infra/"


def test_application_insights_is_entra_only() -> None:
    body = sources.resource_body(_module("monitoring.bicep"), "appInsights")
    assert "DisableLocalAuth: true" in body
    assert "WorkspaceResourceId: workspace.id" in body


def test_flex_consumption_python_311() -> None:
    text = _module("functionapp.bicep")
    plan = sources.resource_body(text, "plan")
    assert "name: 'FC1'" in plan and "tier: 'FlexConsumption'" in plan
    app = sources.resource_body(text, "functionApp")
    assert "kind: 'functionapp,linux'" in app
    assert "httpsOnly: true" in app
    config = sources.bracket_block(app, app.index("functionAppConfig:"))
    runtime = sources.bracket_block(config, config.index("runtime:"))
    assert "name: 'python'" in runtime and "version: '3.11'" in runtime
    deployment = sources.bracket_block(config, config.index("deployment:"))
    assert "type: 'blobContainer'" in deployment
    assert "type: 'UserAssignedIdentity'" in deployment
    assert "userAssignedIdentityResourceId: identityId" in deployment
    assert "scaleAndConcurrency:" in config


def test_app_runs_as_the_user_assigned_identity_only() -> None:
    app = sources.resource_body(_module("functionapp.bicep"), "functionApp")
    identity = sources.bracket_block(app, app.index("identity:"))
    assert "type: 'UserAssigned'" in identity
    assert "SystemAssigned" not in identity


def test_basic_auth_publishing_is_off() -> None:
    text = _module("functionapp.bicep")
    for symbol in ("ftpBasicAuth", "scmBasicAuth"):
        assert "allow: false" in sources.resource_body(text, symbol)


def test_role_assignments_are_exactly_the_needed_ones() -> None:
    roles = _module("roles.bicep")
    assert set(GUID.findall(roles)) == set(STORAGE_ROLES) | {
        MONITORING_METRICS_PUBLISHER, KEY_VAULT_SECRETS_USER, COMMUNICATION_EMAIL_OWNER}
    email = sources.resource_body(roles, "emailRoleAssignment")
    assert "scope: communication" in email and "communicationEmailOwner)" in email
    secrets = sources.resource_body(roles, "secretsRoleAssignment")
    assert "scope: vault" in secrets and "keyVaultSecretsUser)" in secrets
    storage_list = sources.bicep_var_block(roles, "storageRoles")
    assert set(GUID.findall(storage_list)) == set(STORAGE_ROLES)
    for guid, name in STORAGE_ROLES.items():
        assert re.search(rf"name: '{name}'\s+id: '{guid}'", storage_list), name
    loop = sources.resource_body(roles, "storageRoleAssignments")
    assert "scope: storage" in loop and "principalType: 'ServicePrincipal'" in loop
    telemetry = sources.resource_body(roles, "telemetryRoleAssignment")
    assert "scope: appInsights" in telemetry
    assert "roleDefinitions', monitoringMetricsPublisher)" in telemetry
    # No role assignment anywhere else (e.g. a broad Contributor slipped into another module).
    for path in sources.bicep_files():
        if path.name != "roles.bicep":
            assert "Microsoft.Authorization/roleAssignments" not in sources.bicep(path), path


def test_email_through_communication_services_without_keys() -> None:
    email = _module("email.bicep")
    assert "disableLocalAuth: true" in sources.resource_body(email, "communication")
    assert "linkedDomains:" in sources.resource_body(email, "communication")
    domain = sources.resource_body(email, "domain")
    assert "domainManagement: 'AzureManaged'" in domain
    assert "userEngagementTracking: 'Disabled'" in domain
    settings = sources.bicep_app_settings()
    assert settings["EMAIL_MODE"] == "emailMode"
    assert settings["ACS_EMAIL_ENDPOINT"] == "acsEmailEndpoint"
    main = sources.bicep(sources.INFRA / "main.bicep")
    assert "acsEmailEndpoint: email.outputs.endpoint" in main
    assert "emailSender: email.outputs.senderAddress" in main
    assert "communicationName: email.outputs.name" in main


def test_easy_auth_wiring() -> None:
    text = _module("functionapp.bicep")
    auth = sources.resource_body(text, "authSettings")
    assert "name: 'authsettingsV2'" in auth
    assert "enabled: easyAuth" in auth
    assert "requireAuthentication: true" in auth
    assert "unauthenticatedClientAction: 'Return401'" in auth
    assert "identityProviders: empty(authClientId) ? {} : entraIdProvider" in auth
    provider = sources.bicep_var_block(text, "entraIdProvider")
    assert "azureActiveDirectory:" in provider and "clientId: authClientId" in provider
    assert "allowedAudiences: authAllowedAudiences" in provider
    excluded = sources.quoted_strings(sources.bracket_block(auth, auth.index("excludedPaths:")))
    assert {"/api/health", "/api/openapi.json"} <= set(excluded)


def _excluded(path: str, patterns: list[str]) -> bool:
    """Easy Auth's match: an exact path, or a ``/prefix/*`` wildcard."""
    return any(path == p or (p.endswith("/*") and path.startswith(p[:-1])) for p in patterns)


def test_easy_auth_exclusions_are_exactly_the_anonymous_routes() -> None:
    """The routes the OpenAPI document declares anonymous (the route tables, roles
    None), under host.json's routePrefix, get past Easy Auth; nothing else does. A new
    anonymous route without an exclusion would answer 401 in Azure; an exclusion without an
    anonymous route would let unauthenticated calls reach the app."""
    from shared.route_table import ROUTES

    host = json.loads((sources.ROOT / "host.json").read_text(encoding="utf-8"))
    prefix = "/" + host["extensions"]["http"]["routePrefix"].strip("/")
    auth = sources.resource_body(sources.bicep(MODULES / "functionapp.bicep"), "authSettings")
    patterns = sources.quoted_strings(sources.bracket_block(auth, auth.index("excludedPaths:")))

    def concrete(path: str) -> str:
        return prefix + re.sub(r"\{[^}]+\}", "x", path)

    anonymous = {concrete("/" + r.path) for r in ROUTES if r.roles is None}
    protected = {concrete("/" + r.path) for r in ROUTES if r.roles is not None}
    refused = sorted(p for p in anonymous if not _excluded(p, patterns))
    assert not refused, f"anonymous routes Easy Auth would refuse (401): {refused}"
    exposed = sorted(p for p in protected if _excluded(p, patterns))
    assert not exposed, f"protected routes excluded from Easy Auth: {exposed}"
    unused = sorted(p for p in patterns if not any(_excluded(a, [p]) for a in anonymous))
    assert not unused, f"excludedPaths entries that match no anonymous route: {unused}"


def test_auth_mode_parameter() -> None:
    main = sources.bicep(sources.MAIN_BICEP)
    assert re.search(r"@allowed\(\[\s*'easyauth'\s*'entra'\s*\]\)\s*param authMode string", main)
    settings = sources.bicep_app_settings()
    assert settings["AUTH_MODE"] == "authMode"
    assert settings["ENTRA_AUDIENCE"] == "easyAuth ? '' : entraAudience"
    assert settings["ENTRA_ALLOWED_TENANTS"] == "easyAuth ? '' : entraAllowedTenants"


def test_signing_secret_is_a_secure_parameter_and_never_output() -> None:
    for path in (sources.MAIN_BICEP, MODULES / "functionapp.bicep"):
        text = sources.bicep(path)
        assert re.search(r"@secure\(\)\s*param notificationSigningSecret string", text), path
        for value in sources.bicep_outputs(text).values():
            assert "notificationSigningSecret" not in value
    assert re.search(r"param notificationSigningSecret string = ''", sources.bicep(
        sources.MAIN_BICEP)), "a secure parameter's default must be empty"


def test_outputs_and_parameters_file() -> None:
    main = sources.bicep(sources.MAIN_BICEP)
    outputs = sources.bicep_outputs(main)
    assert {"functionAppName", "functionAppHostName", "storageAccountName"} <= set(outputs)
    params = sources.bicep_params(main)
    doc = json.loads((sources.INFRA / "main.parameters.json").read_text(encoding="utf-8"))
    unknown = sorted(set(doc["parameters"]) - set(params))
    assert not unknown, f"main.parameters.json sets parameters main.bicep lacks: {unknown}"
    # azd fills the file from its environment: a secret may appear only as a reference.
    secret = doc["parameters"].get("notificationSigningSecret", {"value": "${X}"})["value"]
    assert re.fullmatch(r"\$\{[A-Z_]+\}", secret), "secrets stay out of the repo"
    no_default = sorted(name for name, rest in params.items() if "=" not in rest)
    assert not no_default, f"parameters without a default make CI deploys fail: {no_default}"


# Resource types that have no GA API version at all, with the preview each may use.
PREVIEW_ONLY = {
    # Diagnostic settings (the queue write log for the poison-queue alert) exist only as
    # previews; 2021-05-01-preview is the one Azure's own templates use.
    "Microsoft.Insights/diagnosticSettings": "2021-05-01-preview",
}


def test_modules_exist_and_api_versions_are_stable() -> None:
    main = sources.bicep(sources.MAIN_BICEP)
    for module in re.findall(r"^module\s+\w+\s+'([^']+)'", main, re.MULTILINE):
        assert (sources.INFRA / module).is_file(), module
    for _symbol, rtype, version, _ in sources.bicep_resources(sources.all_bicep()):
        if rtype in PREVIEW_ONLY:
            assert version == PREVIEW_ONLY[rtype], f"{rtype}@{version}"
            continue
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", version), f"{rtype}@{version} is not GA"


def test_no_hardcoded_cloud_endpoints() -> None:
    """Endpoints come from environment(), so the template works in every Azure cloud (and
    the Bicep linter's no-hardcoded-env-urls rule, an error in bicepconfig.json, agrees)."""
    text = sources.all_bicep()
    for host in ("core.windows.net", "login.microsoftonline.com", "management.azure.com"):
        assert host not in text, host
    config = json.loads((sources.INFRA / "bicepconfig.json").read_text(encoding="utf-8"))
    rules = config["analyzers"]["core"]["rules"]
    assert rules["no-hardcoded-env-urls"]["level"] == "error"
    assert rules["no-unused-params"]["level"] == "error"
