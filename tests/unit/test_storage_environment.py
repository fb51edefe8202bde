"""What the storage clients take from the environment: requests' own reading of the proxy and
CA bundle variables, for one endpoint, done once."""

from __future__ import annotations

import pytest

from shared.storage.environment import client_options

URL = "https://acct.table.core.windows.net"
VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
             "all_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_set_turns_only_the_per_call_lookup_off() -> None:
    assert client_options(URL) == {"use_env_settings": False}


def test_the_proxy_for_the_endpoint_is_passed_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "localhost,.internal")
    assert client_options(URL)["proxies"] == {"https": "http://proxy.corp:3128"}


@pytest.mark.parametrize("no_proxy", ["core.windows.net", ".table.core.windows.net", "*"])
def test_no_proxy_covering_the_host_passes_no_proxy(monkeypatch: pytest.MonkeyPatch,
                                                    no_proxy: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert "proxies" not in client_options(URL)


def test_a_ca_bundle_variable_becomes_the_clients_verify(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/curl.pem")
    assert client_options(URL)["connection_verify"] == "/etc/ssl/curl.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/corp.pem")  # requests prefers it
    assert client_options(URL)["connection_verify"] == "/etc/ssl/corp.pem"
