"""A private CA for the event-verification tests: a root, an optional intermediate published
at an AIA URL, and leaves signed by either (all generated here with `cryptography`)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MICROSOFT = "Microsoft Corporation"


@cache
def key(label: str) -> rsa.RSAPrivateKey:
    del label  # one key per label, generated once per test run
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, org: str | None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _ca_extensions(builder, subject_key):
    usage = x509.KeyUsage(digital_signature=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=True, crl_sign=True, encipher_only=False,
                          decipher_only=False)
    return (builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(usage, True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key), False))


def certificate(cn, *, issuer=None, issuer_key=None, subject_key=None, org=MICROSOFT,
                ca=False, before=NOW - timedelta(days=30), after=NOW + timedelta(days=300),
                aia=None):
    subject_key = subject_key or key(cn)
    signer = issuer_key or subject_key
    builder = (x509.CertificateBuilder().subject_name(_name(cn, org))
               .issuer_name(issuer.subject if issuer else _name(cn, org))
               .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(before).not_valid_after(after)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   signer.public_key()), False))
    if ca:
        builder = _ca_extensions(builder, subject_key.public_key())
    if aia:
        builder = builder.add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                   x509.UniformResourceIdentifier(aia))]), False)
    return builder.sign(signer, hashes.SHA256())


@cache
def root():
    return certificate("Test Root", org="Test CA", ca=True)


def intermediate(**kwargs):
    return certificate("Test Issuing CA", issuer=root(), issuer_key=key("Test Root"),
                       org="Test CA", ca=True, **kwargs)


def leaf(*, issuer=None, issuer_key=None, label="pcnotifications", **kwargs):
    return certificate(label, issuer=issuer or root(),
                       issuer_key=issuer_key or key("Test Root"), subject_key=key(label),
                       **kwargs)


def der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def sign(body: bytes, label="pcnotifications") -> str:
    raw = key(label).sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()
