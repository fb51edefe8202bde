"""The storage clients' proxy and CA settings, read from the environment once per endpoint.

Left to itself, the SDK's ``requests`` session trusts the environment on *every* call: it
scans every variable for ``*_PROXY``, checks ``NO_PROXY`` against the host, looks for a CA
bundle variable and a ``~/.netrc``. That is ~85 us per storage request with 35 variables (a
Function App has dozens of settings more), paid again and again for an endpoint that does
not change in a worker's life. So the clients are built with the per-call lookup off
(``use_env_settings=False``) and given what the environment says for their endpoint, read
here once: the same proxies and CA bundle ``requests`` would have used. ``~/.netrc`` is not
read: storage authenticates with its own header, which a netrc entry would only replace.
"""

from __future__ import annotations

from typing import Any

import requests


def client_options(url: str) -> dict[str, Any]:
    """Options for an Azure SDK client of ``url``: the proxies (``HTTP(S)_PROXY``,
    ``ALL_PROXY`` unless ``NO_PROXY`` covers its host) and the CA bundle
    (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) a session trusting the environment would
    use for it, asked of ``requests`` itself so the rules stay its own."""
    with requests.Session() as session:
        found = session.merge_environment_settings(url, {}, None, None, None)
    options: dict[str, Any] = {"use_env_settings": False}
    # "no" is NO_PROXY itself, already applied to this url: not a proxy to pass on.
    proxies = {k: v for k, v in found["proxies"].items() if k != "no"}
    if proxies:
        options["proxies"] = proxies
    if isinstance(found["verify"], str):
        options["connection_verify"] = found["verify"]
    return options
