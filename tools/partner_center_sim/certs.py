"""The simulation's certificates: a local test CA, the leaf that signs events, and (with TLS)
the server certificate of 127.0.0.1.

Shapes from Microsoft's "Partner Center webhooks" ("How to authenticate the callback"): the
event's signature is RSA PKCS#1 v1.5 with SHA-256 over the raw body, base64 in
``Authorization: Signature <base64>``; the signing certificate is published at
``x-ms-certificate-url`` (a ``.cer`` file under ``/cert/``) and its subject organisation is
``Microsoft Corporation``. Here the leaf is issued by a local CA whose PEM is written to a
file, so a receiver trusts it only when pointed at that file (PARTNER_CENTER_TRUSTED_ROOTS).

``issue_leaf`` also makes the wrong certificates a verifier must refuse (another
organisation, expired, self-signed, another key), for tests of receivers.
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

EVENT_CERT_NAME = "pcnotifications-dispatch.microsoft.com"
MICROSOFT = "Microsoft Corporation"


@dataclass(frozen=True)
class Credential:
    """A certificate and its private key."""

    certificate: x509.Certificate
    key: rsa.RSAPrivateKey

    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, body: bytes) -> str:
        """The base64 RSA-SHA256 (PKCS#1 v1.5) signature of ``body``."""
        raw = self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(raw).decode("ascii")


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common: str, organization: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(common: str = "Partner Center Simulation Test Root") -> Credential:
    """A self-signed root that a WebPKI-style verifier accepts as a CA."""
    key, now = _key(), datetime.now(UTC)
    name = _name(common, "Referrals Local Test CA")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return Credential(cert, key)


def issue_leaf(ca: Credential | None, *, common: str = EVENT_CERT_NAME,
               organization: str = MICROSOFT, valid_days: float = 365,
               expired: bool = False, ip: str | None = None) -> Credential:
    """A leaf certificate issued by ``ca`` (self-signed when ``ca`` is None). ``expired``
    makes one whose validity ended yesterday; ``ip`` adds an IP SAN (the TLS server cert)."""
    key, now = _key(), datetime.now(UTC)
    start, end = now - timedelta(days=1), now + timedelta(days=valid_days)
    if expired:
        start, end = now - timedelta(days=30), now - timedelta(days=1)
    subject = _name(common, organization)
    issuer_name, signer = (ca.certificate.subject, ca.key) if ca else (subject, key)
    sans: list[x509.GeneralName] = [x509.DNSName(common)]
    if ip:
        sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(ip))]
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.SubjectAlternativeName(sans), critical=False)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                                     ExtendedKeyUsageOID.SERVER_AUTH]),
                              critical=False)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if ca:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False)
    return Credential(builder.sign(signer, hashes.SHA256()), key)


def with_other_key(leaf: Credential) -> Credential:
    """The same certificate with a key that does not match it: its signatures fail."""
    return Credential(leaf.certificate, _key())


def write_pem(path: Path, credential: Credential) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(credential.pem())
    return path


def write_key_pem(path: Path, credential: Credential) -> Path:
    path.write_bytes(credential.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    return path
