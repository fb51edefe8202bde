"""POSTing to an untrusted URL: resolve once, check the address, connect to that address.

A webhook URL names a host whose address can change between a check and a connect (DNS
rebinding), so the name is resolved here exactly once, the address is judged by
``forbidden_address``, and the connection goes to that address (TLS still verifies the
certificate for the name, and Host carries the name). Redirects are never followed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from shared.domain.webhook_url import forbidden_address

TIMEOUT = (3.05, 10)  # connect, read: keep well inside the function's own timeout
Resolver = Callable[[str, int], list[str]]


class AddressRefused(Exception):
    """The URL leads to an address the app must not call; permanent."""


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class _PinnedTLS(HTTPAdapter):
    """Connects to an address but speaks TLS (SNI and certificate check) for the name."""

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def pinned_url(url: str, *, allow_loopback: bool, resolver: Resolver = resolve
               ) -> tuple[str, str, str]:
    """(the URL with the checked address in place of the name, the Host header, the name)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [host] if _is_ip(host) else resolver(host, port)
    except OSError as exc:
        raise OSError(f"cannot resolve {host}: {exc}") from exc
    if not addresses:
        raise OSError(f"cannot resolve {host}")
    # Every answer is judged: a name answering one public and one private address is refused.
    for address in addresses:
        why = forbidden_address(ipaddress.ip_address(address.split("%")[0]),
                                allow_loopback=allow_loopback)
        if why:
            raise AddressRefused(f"{host} resolves to {why} ({address}); not delivered")
    ip = addresses[0]
    netloc = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), host_header, host


def post(url: str, body: bytes, headers: dict[str, str], *, allow_loopback: bool,
         resolver: Resolver = resolve, ca_bundle: str | None = None) -> requests.Response:
    """POST to the checked address. ``ca_bundle``: Settings.ca_bundle (None: the default
    store)."""
    target, host_header, host = pinned_url(url, allow_loopback=allow_loopback,
                                           resolver=resolver)
    with requests.Session() as session:
        session.trust_env = False  # no proxy from the environment: we connect where we checked
        session.verify = ca_bundle or True
        if target.startswith("https:"):
            session.mount("https://", _PinnedTLS(host))
        return session.post(target, data=body, headers={**headers, "Host": host_header},
                            timeout=TIMEOUT, allow_redirects=False)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
