"""Event verification (shared/partner_center/verification.py) with a private CA: a genuine
event verifies; every kind of forgery is rejected with its reason, and nothing is fetched
from a URL that is not allowed."""

from datetime import timedelta

import pytest

from shared.partner_center.api.certificates import load_roots
from shared.partner_center.api.errors import EventRejected
from shared.partner_center.api.verification import EventVerifier, Reason

from . import pki

PREFIX = "https://3psostorageacct.blob.core.windows.net/cert/"
CERT_URL = PREFIX + "pcnotifications-dispatch.microsoft.com.cer"
BODY = (b'{"EventName":"referral-updated","ResourceUri":"https://api.partner.microsoft.com/'
        b'v1.0/engagements/referrals/4111fffc-f9ee-4d53-bba6-569135228642","ResourceName":'
        b'"referral","AuditUri":null,"ResourceChangeUtcDate":"2026-11-02T08:59:00.1234567Z"}')


class Web:
    """The injected fetcher: URL -> bytes, recording every download."""

    def __init__(self, pages):
        self.pages, self.fetched = dict(pages), []

    def __call__(self, url):
        self.fetched.append(url)
        if url not in self.pages:
            raise OSError("404")
        return self.pages[url]


def _headers(body=BODY, label="pcnotifications", url=CERT_URL, style="authorization"):
    signature = pki.sign(body, label)
    headers = {"X-MS-Certificate-Url": url, "X-MS-Signature-Algorithm": "rsa-sha256"}
    if style == "authorization":
        headers["Authorization"] = f"Signature {signature}"
    elif style == "x-ms-signature-with-scheme":  # as Microsoft's C# sample reads it
        headers["x-ms-signature"] = f"Signature {signature}"
    else:
        headers["x-ms-signature"] = signature
    return headers


def _verifier(web, clock=lambda: pki.NOW, roots=None, **kwargs):
    return EventVerifier(allowed_prefixes=[PREFIX], roots=roots or [pki.root()], fetch=web,
                         clock=clock, **kwargs)


@pytest.mark.parametrize("encoding", [pki.der, pki.pem])
@pytest.mark.parametrize("style", ["authorization", "x-ms-signature",
                                   "x-ms-signature-with-scheme"])
def test_a_genuine_event_verifies(encoding, style):
    web = Web({CERT_URL: encoding(pki.leaf())})
    _verifier(web).verify(_headers(style=style), BODY)
    assert web.fetched == [CERT_URL]


def _rejected(verifier, headers, body=BODY):
    with pytest.raises(EventRejected) as caught:
        verifier.verify(headers, body)
    return caught.value.reason


def test_a_tampered_body_is_rejected():
    web = Web({CERT_URL: pki.der(pki.leaf())})
    tampered = BODY.replace(b"referral-updated", b"referral-created")
    assert _rejected(_verifier(web), _headers(), tampered) == Reason.BAD_SIGNATURE


def test_a_signature_by_another_key_is_rejected():
    web = Web({CERT_URL: pki.der(pki.leaf())})
    assert _rejected(_verifier(web), _headers(label="attacker")) == Reason.BAD_SIGNATURE


def test_a_self_signed_microsoft_certificate_is_rejected():
    forged = pki.certificate("attacker", org=pki.MICROSOFT)
    web = Web({CERT_URL: pki.der(forged)})
    assert _rejected(_verifier(web), _headers(label="attacker")) == Reason.UNTRUSTED_CHAIN


def test_a_certificate_of_another_organisation_is_rejected():
    web = Web({CERT_URL: pki.der(pki.leaf(label="contoso", org="Contoso Ltd"))})
    assert _rejected(_verifier(web), _headers(label="contoso")) == Reason.NOT_MICROSOFT


@pytest.mark.parametrize(("before", "after", "reason"), [
    (-300, -1, Reason.CERTIFICATE_EXPIRED),
    (1, 300, Reason.CERTIFICATE_NOT_YET_VALID),
])
def test_a_certificate_outside_its_validity_is_rejected(before, after, reason):
    cert = pki.leaf(before=pki.NOW + timedelta(days=before), after=pki.NOW + timedelta(days=after))
    assert _rejected(_verifier(Web({CERT_URL: pki.der(cert)})), _headers()) == reason


@pytest.mark.parametrize("url", [
    "https://evil.example/cert/pcnotifications.cer",
    "https://3psostorageacct.blob.core.windows.net.evil.example/cert/x.cer",
    "https://3psostorageacct.blob.core.windows.net/other/x.cer",
    "https://3psostorageacct.blob.core.windows.net/cert/../other/x.cer",
    "https://3psostorageacct.blob.core.windows.net/cert/%2e%2e/other/x.cer",
    "http://3psostorageacct.blob.core.windows.net/cert/x.cer",
    "https://user@3psostorageacct.blob.core.windows.net/cert/x.cer",
    "https://3psostorageacct.blob.core.windows.net:8443/cert/x.cer",
])
def test_a_certificate_url_outside_the_allowed_prefixes_is_never_fetched(url):
    web = Web({url: pki.der(pki.leaf())})
    assert _rejected(_verifier(web), _headers(url=url)) == Reason.CERTIFICATE_URL_NOT_ALLOWED
    assert web.fetched == []


@pytest.mark.parametrize("algorithm", ["rsa-sha1", "hmac-sha256", ""])
def test_another_algorithm_is_rejected(algorithm):
    headers = {**_headers(), "X-MS-Signature-Algorithm": algorithm}
    web = Web({CERT_URL: pki.der(pki.leaf())})
    assert _rejected(_verifier(web), headers) == Reason.UNSUPPORTED_ALGORITHM
    assert web.fetched == []


@pytest.mark.parametrize(("drop", "reason"), [
    ("Authorization", Reason.MISSING_SIGNATURE),
    ("X-MS-Signature-Algorithm", Reason.UNSUPPORTED_ALGORITHM),
    ("X-MS-Certificate-Url", Reason.MISSING_CERTIFICATE_URL),
])
def test_missing_headers_are_rejected(drop, reason):
    headers = {k: v for k, v in _headers().items() if k != drop}
    assert _rejected(_verifier(Web({CERT_URL: pki.der(pki.leaf())})), headers) == reason


def test_a_signature_that_is_not_base64_or_not_a_signature_scheme_is_rejected():
    web = Web({CERT_URL: pki.der(pki.leaf())})
    headers = {**_headers(), "Authorization": "Signature not*base64!"}
    assert _rejected(_verifier(web), headers) == Reason.MALFORMED_SIGNATURE
    headers = {**_headers(), "Authorization": "Bearer " + pki.sign(BODY)}
    assert _rejected(_verifier(web), headers) == Reason.MISSING_SIGNATURE


def test_an_unreachable_or_unreadable_certificate_is_rejected():
    assert _rejected(_verifier(Web({})), _headers()) == Reason.CERTIFICATE_UNAVAILABLE
    web = Web({CERT_URL: b"<html>not a certificate</html>"})
    assert _rejected(_verifier(web), _headers()) == Reason.CERTIFICATE_UNREADABLE


def _issued_by_intermediate(aia):
    return pki.leaf(issuer=pki.intermediate(), issuer_key=pki.key("Test Issuing CA"), aia=aia)


@pytest.mark.parametrize("aia", ["http://cacerts.digicert.com/TestIssuingCA.crt",
                                 "http://www.microsoft.com/pkiops/certs/TestIssuingCA.crt"])
def test_the_intermediate_comes_from_the_leafs_aia_on_microsoft_or_digicert_hosts(aia):
    web = Web({CERT_URL: pki.der(_issued_by_intermediate(aia)), aia: pki.der(pki.intermediate())})
    verifier = _verifier(web)
    verifier.verify(_headers(), BODY)
    verifier.verify(_headers(), BODY)  # both downloads come from the cache now
    assert web.fetched == [CERT_URL, aia]


@pytest.mark.parametrize("aia", ["http://evil.example/TestIssuingCA.crt",
                                 "http://digicert.com.evil.example/ca.crt",
                                 "http://cacerts.digicert.com:8080/ca.crt"])
def test_an_intermediate_from_any_other_host_is_never_fetched(aia):
    web = Web({CERT_URL: pki.der(_issued_by_intermediate(aia)), aia: pki.der(pki.intermediate())})
    assert _rejected(_verifier(web), _headers()) == Reason.UNTRUSTED_CHAIN
    assert web.fetched == [CERT_URL]


def test_an_intermediate_given_at_start_needs_no_download():
    web = Web({CERT_URL: pki.der(_issued_by_intermediate(None))})
    _verifier(web, intermediates=[pki.intermediate()]).verify(_headers(), BODY)
    assert _rejected(_verifier(web), _headers()) == Reason.UNTRUSTED_CHAIN


def test_certificates_are_cached_for_24_hours_by_url():
    now = [pki.NOW]
    web = Web({CERT_URL: pki.der(pki.leaf())})
    verifier = _verifier(web, clock=lambda: now[0])
    verifier.verify(_headers(), BODY)
    now[0] += timedelta(hours=23)
    verifier.verify(_headers(), BODY)
    assert len(web.fetched) == 1
    now[0] += timedelta(hours=2)
    verifier.verify(_headers(), BODY)
    assert len(web.fetched) == 2


def test_only_the_configured_roots_are_trusted_when_a_roots_file_is_set(tmp_path):
    other_root = pki.certificate("Other Root", org="Other CA", ca=True)
    (tmp_path / "roots.pem").write_bytes(pki.pem(other_root))
    roots = load_roots(str(tmp_path / "roots.pem"))
    assert [r.subject for r in roots] == [other_root.subject]
    web = Web({CERT_URL: pki.der(pki.leaf())})
    assert _rejected(_verifier(web, roots=roots), _headers()) == Reason.UNTRUSTED_CHAIN
    assert len(load_roots()) > 50  # without the file: the system's (certifi's) roots


def test_a_loopback_http_prefix_is_allowed_only_in_local_mode():
    local = "http://127.0.0.1:7073/cert/"
    web = Web({local + "sim.cer": pki.der(pki.leaf())})
    EventVerifier(allowed_prefixes=[local], roots=[pki.root()], fetch=web,
                  clock=lambda: pki.NOW, allow_loopback_http=True).verify(
        _headers(url=local + "sim.cer"), BODY)
    with pytest.raises(ValueError):
        EventVerifier(allowed_prefixes=[local], roots=[pki.root()], fetch=web)
