"""Verifying a Partner Center event before anything is read (contract section 9; Microsoft's
"Partner Center webhooks: how to authenticate the callback" and its signature sample).

The steps, each failure an ``EventRejected`` with its reason: the signature header
(``Authorization: Signature <base64>`` or ``x-ms-signature``); ``x-ms-signature-algorithm``
``rsa-sha256``; ``x-ms-certificate-url`` starting with an allowed prefix (Microsoft's sample
never checks this: without it anyone could sign with their own certificate); the certificate
(DER or PEM, cached by URL); subject organisation ``Microsoft Corporation``; valid now; RSA
PKCS#1 v1.5 SHA-256 over the raw body bytes; a chain to the trusted roots, by
``cryptography``'s X.509 verifier. The leaf is checked like a signing certificate: no name or
extended key usage is asked of it; its CAs follow the Web PKI rules. An intermediate the leaf
does not come with is taken from its AIA ``caIssuers`` URL, only on hosts ending in
``.microsoft.com`` or ``.digicert.com``, or from ``intermediates`` given at start.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from shared.domain.webhook_url import normalize_webhook_url

from .certificates import Fetch, UrlCache, ca_issuer_urls, parse_certificate
from .errors import EventRejected

ALGORITHM = "rsa-sha256"
ORGANIZATION = "Microsoft Corporation"
AIA_HOST_SUFFIXES = (".microsoft.com", ".digicert.com")
MAX_AIA_URLS = 2


class Reason(StrEnum):
    MISSING_SIGNATURE = "missingSignature"
    MALFORMED_SIGNATURE = "malformedSignature"
    UNSUPPORTED_ALGORITHM = "unsupportedAlgorithm"
    MISSING_CERTIFICATE_URL = "missingCertificateUrl"
    CERTIFICATE_URL_NOT_ALLOWED = "certificateUrlNotAllowed"
    CERTIFICATE_UNAVAILABLE = "certificateUnavailable"
    CERTIFICATE_UNREADABLE = "certificateUnreadable"
    NOT_MICROSOFT = "notMicrosoft"
    CERTIFICATE_EXPIRED = "certificateExpired"
    CERTIFICATE_NOT_YET_VALID = "certificateNotYetValid"
    BAD_SIGNATURE = "badSignature"
    UNTRUSTED_CHAIN = "untrustedChain"


class EventVerifier:
    """One per process (it holds the caches). ``roots`` from ``certificates.load_roots``;
    ``fetch`` downloads a URL (``certificates.http_fetcher``), injected for tests."""

    def __init__(self, *, allowed_prefixes: Sequence[str], roots: Sequence[x509.Certificate],
                 fetch: Fetch, allow_loopback_http: bool = False,
                 intermediates: Sequence[x509.Certificate] = (),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._allow_loopback = allow_loopback_http
        self._prefixes = tuple(normalize_webhook_url(p, allow_loopback_http=allow_loopback_http,
                                                     allow_loopback_https=True)
                               for p in allowed_prefixes)
        self._store = Store(list(roots))
        self._intermediates = list(intermediates)
        self._fetch, self._clock = fetch, clock
        self._certificates: UrlCache[x509.Certificate] = UrlCache(clock)

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Return when the event is Partner Center's, else raise ``EventRejected``."""
        lower = {key.lower(): value for key, value in headers.items()}
        signature = _signature(lower)
        if lower.get("x-ms-signature-algorithm", "").strip().lower() != ALGORITHM:
            raise EventRejected(Reason.UNSUPPORTED_ALGORITHM)
        leaf = self._certificate(self._allowed_url(lower.get("x-ms-certificate-url")))
        now = self._clock()
        _check_subject_and_validity(leaf, now)
        _check_signature(leaf, signature, body)
        self._check_chain(leaf, now)

    def _allowed_url(self, raw: str | None) -> str:
        if not raw or not raw.strip():
            raise EventRejected(Reason.MISSING_CERTIFICATE_URL)
        try:
            url = normalize_webhook_url(raw.strip(), allow_loopback_http=self._allow_loopback,
                                        allow_loopback_https=True)
        except ValueError:
            raise EventRejected(Reason.CERTIFICATE_URL_NOT_ALLOWED) from None
        path = urlsplit(url).path
        if "?" in url or "/../" in path + "/" or "/./" in path + "/" or "%2e" in path.lower():
            raise EventRejected(Reason.CERTIFICATE_URL_NOT_ALLOWED)
        if not any(url.startswith(p) and _origin(url) == _origin(p) for p in self._prefixes):
            raise EventRejected(Reason.CERTIFICATE_URL_NOT_ALLOWED)
        return url

    def _certificate(self, url: str) -> x509.Certificate:
        return self._certificates.get(url, lambda: self._download(url))

    def _download(self, url: str) -> x509.Certificate:
        try:
            data = self._fetch(url)
        except Exception:  # any download failure is a rejection, never a 500
            raise EventRejected(Reason.CERTIFICATE_UNAVAILABLE) from None
        try:
            return parse_certificate(data)
        except ValueError:
            raise EventRejected(Reason.CERTIFICATE_UNREADABLE) from None

    def _check_chain(self, leaf: x509.Certificate, now: datetime) -> None:
        verifier = (PolicyBuilder().store(self._store).time(now)
                    .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                                        ee_policy=ExtensionPolicy.permit_all())
                    .build_client_verifier())
        try:
            verifier.verify(leaf, self._intermediates)
            return
        except VerificationError:
            pass  # perhaps an intermediate is missing: the leaf says where it is published
        fetched = [c for url in ca_issuer_urls(leaf)[:MAX_AIA_URLS] if _aia_allowed(url)
                   if (c := self._issuer(url)) is not None]
        if not fetched:
            raise EventRejected(Reason.UNTRUSTED_CHAIN)
        try:
            verifier.verify(leaf, [*self._intermediates, *fetched])
        except VerificationError:
            raise EventRejected(Reason.UNTRUSTED_CHAIN) from None

    def _issuer(self, url: str) -> x509.Certificate | None:
        try:
            return self._certificate(url)
        except EventRejected:
            return None


def _signature(headers: Mapping[str, str]) -> bytes:
    # x-ms-signature carries the bare base64 (section 9) or, as Microsoft's own C# sample
    # reads it when a registration moves the token there, "Signature <base64>"; the
    # Authorization header always has the scheme.
    text = headers.get("x-ms-signature", "").strip()
    if text.lower().startswith("signature "):
        text = text[len("signature "):].strip()
    if not text:
        scheme, _, value = headers.get("authorization", "").strip().partition(" ")
        text = value.strip() if scheme.lower() == "signature" else ""
    if not text:
        raise EventRejected(Reason.MISSING_SIGNATURE)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EventRejected(Reason.MALFORMED_SIGNATURE) from None


def _check_subject_and_validity(leaf: x509.Certificate, now: datetime) -> None:
    names = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if not any(attribute.value == ORGANIZATION for attribute in names):
        raise EventRejected(Reason.NOT_MICROSOFT)
    if now < leaf.not_valid_before_utc:
        raise EventRejected(Reason.CERTIFICATE_NOT_YET_VALID)
    if now > leaf.not_valid_after_utc:
        raise EventRejected(Reason.CERTIFICATE_EXPIRED)


def _check_signature(leaf: x509.Certificate, signature: bytes, body: bytes) -> None:
    key = leaf.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise EventRejected(Reason.BAD_SIGNATURE)
    try:
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise EventRejected(Reason.BAD_SIGNATURE) from None


def _aia_allowed(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    # The issuer certificate is checked by the chain itself, so plain http (what CAs
    # publish AIA on) is fine; the host rule keeps the app from fetching anywhere else.
    return (parts.scheme in ("http", "https") and "@" not in parts.netloc
            and ":" not in parts.netloc and host.endswith(AIA_HOST_SUFFIXES))


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
