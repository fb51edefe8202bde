"""Certificates for Partner Center events: reading them (DER or PEM), the trusted roots, the
leaf's Authority Information Access ``caIssuers`` URLs, fetching with a size cap, and a
cache by URL (contract section 9: certificates may be cached for up to 24 hours).

All parsing is ``cryptography``'s; nothing here reads ASN.1 by hand.
"""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Generic, TypeVar

import certifi
import requests
from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import AuthorityInformationAccessOID

CACHE_TTL = timedelta(hours=24)
MAX_CERTIFICATE_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 10.0

Fetch = Callable[[str], bytes]
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
T = TypeVar("T")


def parse_certificate(data: bytes) -> x509.Certificate:
    """One certificate, PEM or DER; ValueError when it is neither."""
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def load_roots(pem_path: str | None = None) -> list[x509.Certificate]:
    """The trusted roots: only those in ``pem_path`` (PARTNER_CENTER_TRUSTED_ROOTS) when
    given, else the Mozilla set that ``certifi`` ships (what ``requests`` trusts). Read once
    at start; ValueError when the file holds no certificate."""
    data = Path(pem_path or certifi.where()).read_bytes()
    roots = []
    for block in _PEM_BLOCK.findall(data):
        # One by one: a root this cryptography cannot read (a few in certifi have a
        # non-positive serial number) is left out rather than failing the whole set.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    if not roots:
        raise ValueError("no certificate in the trusted roots file")
    return roots


def ca_issuer_urls(certificate: x509.Certificate) -> list[str]:
    """The leaf's AIA ``caIssuers`` URLs (where its issuer's certificate is published)."""
    try:
        aia = certificate.extensions.get_extension_for_class(
            x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [d.access_location.value for d in aia
            if d.access_method == AuthorityInformationAccessOID.CA_ISSUERS
            and isinstance(d.access_location, x509.UniformResourceIdentifier)]


def http_fetcher(session: requests.Session | None = None) -> Fetch:
    """A fetcher for certificate URLs already checked by the caller: GET, no redirects
    (a redirect could lead anywhere), at most ``MAX_CERTIFICATE_BYTES``; any failure is an
    exception."""
    client = session or requests.Session()

    def fetch(url: str) -> bytes:
        with client.get(url, timeout=FETCH_TIMEOUT_SECONDS, allow_redirects=False,
                        stream=True) as response:
            if response.status_code != 200:
                raise OSError(f"certificate download answered {response.status_code}")
            data = response.raw.read(MAX_CERTIFICATE_BYTES + 1, decode_content=True)
        if len(data) > MAX_CERTIFICATE_BYTES:
            raise OSError("certificate download too large")
        return bytes(data)

    return fetch


class UrlCache(Generic[T]):
    """What was loaded from a URL, kept for ``ttl`` (at most ``size`` URLs, oldest out)."""

    def __init__(self, clock: Callable[[], datetime], ttl: timedelta = CACHE_TTL,
                 size: int = 64) -> None:
        self._clock, self._ttl, self._size = clock, ttl, size
        self._items: dict[str, tuple[datetime, T]] = {}
        self._lock = threading.Lock()

    def get(self, url: str, load: Callable[[], T]) -> T:
        now = self._clock()
        with self._lock:
            hit = self._items.get(url)
        if hit is not None and now - hit[0] < self._ttl:
            return hit[1]
        value = load()  # outside the lock: a slow download holds up no other URL
        with self._lock:
            self._items[url] = (now, value)
            while len(self._items) > self._size:
                self._items.pop(next(iter(self._items)))
        return value
