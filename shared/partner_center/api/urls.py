"""Which URLs the Partner Center adapters may call (contract section 7: the Partner Center
URLs, like webhook URLs, may be plain http or loopback only when ``AUTH_MODE=local``).

The configured bases go through the webhook URL parser (``shared/domain/webhook_url.py``),
so one strict reading decides what is https and what is loopback. A URL Partner Center hands
back (``@odata.nextLink``) is never called as given: only its path and query are kept, put
after the configured origin, and only when it names that same host.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from shared.domain.webhook_url import normalize_webhook_url

from .errors import UnsafeUrl

_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_base_url(url: str, *, allow_loopback_http: bool) -> str:
    """A configured base (API, authority, certificate prefix) as the canonical URL to call,
    without a trailing slash; ValueError (a configuration error) when it may not be called.
    Locally the simulation may also be served over TLS (``--tls``), so https to loopback too."""
    return normalize_webhook_url(url, allow_loopback_http=allow_loopback_http,
                                 allow_loopback_https=True).rstrip("/")


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, lower-case host, port) of an absolute URL; ValueError when it has none."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError("not an absolute http(s) URL")
    return scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS[scheme]


def follow_link(link: str, base: str) -> str:
    """``link`` (an ``@odata.nextLink``) rebuilt on ``base``'s origin, or UnsafeUrl.

    Same host and port, no user info, no control characters or backslashes. A plain-http
    link to the https base's own host is taken over https (Partner Center's own sample shows
    an ``http://`` nextLink); the reverse, https base to http, is never done."""
    if any(ch in link for ch in "\\\r\n\t ") or not link.isascii():
        raise UnsafeUrl("nextLink has characters a URL may not carry")
    parts = urlsplit(link)
    if not parts.scheme and not parts.netloc:  # relative: on the base's origin already
        path, query = parts.path, parts.query
    else:
        try:
            scheme, host, port = origin_of(link)
            base_scheme, base_host, base_port = origin_of(base)
        except ValueError:
            raise UnsafeUrl("nextLink is not an http(s) URL") from None
        same_port = port == base_port or (
            scheme == "http" and base_scheme == "https" and port == 80 and base_port == 443)
        if "@" in parts.netloc or host != base_host or not same_port:
            raise UnsafeUrl(f"nextLink points away from {base_host}")
        path, query = parts.path, parts.query
    if not path.startswith("/"):
        raise UnsafeUrl("nextLink has no absolute path")
    base_parts = urlsplit(base)
    rebuilt = f"{base_parts.scheme}://{base_parts.netloc}{path}"
    return f"{rebuilt}?{query}" if query else rebuilt
