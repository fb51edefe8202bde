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

import os
from typing import Any

from requests.utils import get_environ_proxies

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")  # requests' order


def client_options(url: str) -> dict[str, Any]:
    """Options for an Azure SDK client of ``url``: ``HTTP(S)_PROXY``/``ALL_PROXY`` unless
    ``NO_PROXY`` covers its host, and the CA bundle a variable names, as ``requests`` reads
    them."""
    options: dict[str, Any] = {"use_env_settings": False}
    # "no" is NO_PROXY itself, already applied to this url: not a proxy to pass on.
    proxies = {k: v for k, v in get_environ_proxies(url).items() if k != "no"}
    if proxies:
        options["proxies"] = proxies
    bundle = next((os.environ[v] for v in CA_BUNDLE_VARIABLES if os.environ.get(v)), None)
    if bundle:
        options["connection_verify"] = bundle
    return options
