"""Every setting the code reads is deployed by the Bicep, or deliberately not (allow-list).

How this catches a setting added in one place only:
- added to the code (``opt("NEW_SETTING")`` in shared/settings.py) but not to the Bicep:
  ``code_settings()`` now contains NEW_SETTING, it is neither in the app settings of
  infra/modules/functionapp.bicep nor in NOT_DEPLOYED, so
  ``test_every_setting_the_code_reads_is_deployed`` fails naming NEW_SETTING
  (``test_a_new_setting_in_the_code_is_reported`` proves this on a mutated copy);
- added to the Bicep but unknown to the code: ``test_every_deployed_setting_is_read`` fails
  naming it, unless it is one the Functions host or platform reads (HOST_SETTINGS);
- read somewhere other than shared/settings.py: ``test_only_settings_py_reads_the_environment``
  fails, as the drift tests could not see it;
- read with a name that is not a fixed string: the extractor raises, naming the line.
"""

from __future__ import annotations

import pytest

from tests.infra import sources

# Settings the code reads that the Bicep must NOT set, each for a reason.
NOT_DEPLOYED = {
    # A private CA for outbound HTTPS: tests and local runs; in Azure the default store.
    "REQUESTS_CA_BUNDLE": "local",
    "SSL_CERT_FILE": "local",
    # Set by App Service / Functions on every instance (tells the app it runs in Azure).
    "WEBSITE_INSTANCE_ID": "platform",
    # Set by the platform when App Service Authentication is on. Setting it by hand would
    # make AUTH_MODE=easyauth trust a forgeable x-ms-client-principal header.
    "WEBSITE_AUTH_ENABLED": "platform",
    # The connection-string form (Azurite's UseDevelopmentStorage=true, locally). In Azure the
    # identity-based AzureWebJobsStorage__* settings are used: a connection string would carry
    # an account key, and the account refuses shared keys anyway.
    "AzureWebJobsStorage": "local only",
    # EMAIL_MODE=smtp: locally MailDev, or an operator's own relay set by hand; the Bicep
    # deploys EMAIL_MODE=acs (Communication Services with the app's identity, no password).
    "SMTP_HOST": "smtp only",
    "SMTP_PORT": "smtp only",
    "SMTP_STARTTLS": "smtp only",
    "SMTP_USERNAME": "smtp only",
    "SMTP_PASSWORD": "smtp only",
    # In Azure the Azure Monitor distro exports to Application Insights
    # (APPLICATIONINSIGHTS_CONNECTION_STRING); an OTLP collector is the local way to see traces.
    "OTEL_EXPORTER_OTLP_ENDPOINT": "local telemetry",
    # A private test CA for the local Partner Center simulation; in Azure the system's roots.
    "PARTNER_CENTER_TRUSTED_ROOTS": "simulation only",
}

# Settings the Bicep sets that the app's code does not read, because the host/platform does.
HOST_SETTINGS = {
    # Identity-based host storage: how the host authenticates, and its blob endpoint.
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__blobServiceUri",
    # Application Insights: where to send telemetry, and to authenticate with Entra ID.
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}

# Flex Consumption rejects or ignores these (the runtime is functionAppConfig.runtime and the
# package goes to the deployment container), and a storage connection string needs a key.
FORBIDDEN_ON_FLEX = {
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "FUNCTIONS_EXTENSION_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "ENABLE_ORYX_BUILD",
    "AzureWebJobsStorage",
}


def missing_from_bicep(read: set[str], deployed: set[str]) -> list[str]:
    return sorted(read - deployed - set(NOT_DEPLOYED))


def test_every_setting_the_code_reads_is_deployed() -> None:
    missing = missing_from_bicep(sources.code_settings(), set(sources.bicep_app_settings()))
    assert not missing, (
        f"shared/settings.py reads {missing} but infra/modules/functionapp.bicep does not set "
        "them as app settings: add them to `var appSettings` (with a main.bicep parameter if "
        "they vary), or to NOT_DEPLOYED in this file with the reason"
    )


def test_settings_the_host_resolves_are_deployed() -> None:
    """%NAME% in a trigger (the timer schedule) and connection="X" of a binding are read by
    the Functions host, not by settings.py: the host refuses to index without them."""
    expressions, connections = sources.binding_settings(sources.app_python_files())
    deployed = set(sources.bicep_app_settings())
    missing = sorted(expressions - deployed)
    assert not missing, f"trigger expressions use {missing} but the Bicep does not set them"
    for connection in connections:
        needed = {f"{connection}__credential", f"{connection}__clientId"}
        assert needed <= deployed, f"binding connection {connection!r} lacks {needed - deployed}"
        assert {f"{connection}__queueServiceUri", f"{connection}__accountName"} & deployed, (
            f"binding connection {connection!r} has no identity-based endpoint in the Bicep"
        )


def test_every_deployed_setting_is_read() -> None:
    expressions, _ = sources.binding_settings(sources.app_python_files())
    known = sources.code_settings() | expressions | HOST_SETTINGS
    unknown = sorted(set(sources.bicep_app_settings()) - known)
    assert not unknown, (
        f"the Bicep sets {unknown}, which neither the code nor the host reads: remove them, or "
        "add them to HOST_SETTINGS in this file with the reason"
    )


def test_allow_listed_settings_are_still_read_and_not_deployed() -> None:
    read = sources.code_settings()
    stale = sorted(set(NOT_DEPLOYED) - read)
    assert not stale, f"NOT_DEPLOYED lists {stale}, which the code no longer reads"
    deployed = set(sources.bicep_app_settings())
    wrongly = sorted(set(NOT_DEPLOYED) & deployed)
    assert not wrongly, f"the Bicep sets {wrongly}; they must come from the platform or stay local"


def test_no_setting_that_flex_consumption_rejects() -> None:
    bad = sorted(FORBIDDEN_ON_FLEX & set(sources.bicep_app_settings()))
    assert not bad, f"Flex Consumption apps must not set {bad}"


def test_only_settings_py_reads_the_environment() -> None:
    """The extraction above is complete only if nothing else reads the environment."""
    readers = [
        hit for hit in sources.environment_readers(sources.app_python_files())
        if not hit.startswith("shared/settings.py:")
    ]
    assert not readers, (
        f"environment read outside shared/settings.py at {readers}: read settings through "
        "shared.settings.Settings so the deployment drift tests see them"
    )


def test_identity_based_storage_settings() -> None:
    settings = sources.bicep_app_settings()
    assert settings["AzureWebJobsStorage__credential"] == "'managedidentity'"
    assert settings["AzureWebJobsStorage__clientId"] == "identityClientId"
    assert settings["AzureWebJobsStorage__accountName"] == "storageAccountName"
    for service in ("blob", "queue", "table"):
        assert settings[f"AzureWebJobsStorage__{service}ServiceUri"] == (
            f"'https://${{storageAccountName}}.{service}.${{storageSuffix}}'"
        )
    assert settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] == (
        "'ClientId=${identityClientId};Authorization=AAD'"
    )


def test_site_uses_the_checked_settings_list() -> None:
    """The parsed `var appSettings` is what the site gets, not some other list."""
    body = sources.resource_body(sources.bicep(sources.FUNCTIONS_BICEP), "functionApp")
    assert "appSettings: appSettings" in body
    assert sources.bicep(sources.FUNCTIONS_BICEP).count("appSettings:") == 1
    assert "'appsettings'" not in sources.all_bicep().lower(), "a second appsettings resource"


# --------------------------------------------------------------------- the extractor itself


def test_the_extractor_sees_every_read_form() -> None:
    source = '''
prefix = "Conn__"
def from_env(env):
    def opt(name):
        return env.get(name, "").strip() or None
    a = opt("PLAIN")
    b = env.get("DIRECT")
    c = env[prefix + "accountName"]
    d = env.get(f"{prefix}clientId")
    import os
    e = os.environ.get("OS_ENVIRON")
    f = os.getenv("GETENV")
'''
    assert sources.settings_read(source) == {
        "PLAIN", "DIRECT", "Conn__accountName", "Conn__clientId", "OS_ENVIRON", "GETENV",
    }


def test_a_dynamic_setting_name_is_refused() -> None:
    with pytest.raises(sources.ExtractionError, match="not a fixed string"):
        sources.settings_read("def f(env, which):\n    return env.get(which)\n")


def test_a_new_setting_in_the_code_is_reported() -> None:
    """Mutate a copy of settings.py: the new read is seen, and reported as not deployed."""
    original = sources.SETTINGS_PY.read_text(encoding="utf-8")
    anchor = 'mode = _auth_mode(opt("AUTH_MODE"))'
    assert anchor in original, "settings.py changed shape: update this test's anchor"
    mutated = original.replace(anchor, 'extra = opt("BRAND_NEW_SETTING")\n        ' + anchor, 1)
    read = sources.settings_read(mutated)
    assert read - sources.code_settings() == {"BRAND_NEW_SETTING"}
    assert "BRAND_NEW_SETTING" in missing_from_bicep(read, set(sources.bicep_app_settings()))
