"""The webhook URL rules as pure functions: the address policy range by range, and the
parser's normal form. tests/unit/test_webhook_url_edge.py drives the same rules through
PUT /api/profile."""

from __future__ import annotations

import ipaddress

import pytest

from shared.domain.webhook_url import forbidden_address, normalize_webhook_url

REFUSED = [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "RFC 1918"), ("172.16.0.1", "RFC 1918"), ("172.31.255.255", "RFC 1918"),
    ("192.168.1.1", "RFC 1918"), ("fd12:3456::1", "RFC 4193"), ("fc00::1", "RFC 4193"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("100.64.0.1", "CGNAT"), ("100.127.255.254", "CGNAT"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("0.1.2.3", "unspecified"),
    ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"),
    ("192.0.2.1", "documentation"), ("198.51.100.7", "documentation"),
    ("203.0.113.9", "documentation"), ("2001:db8::1", "documentation"),
    ("198.18.0.1", "benchmarking"), ("fec0::1", "site-local"),
    ("::ffff:127.0.0.1", "IPv6 form of a loopback"), ("::ffff:10.0.0.1", "RFC 1918"),
    ("::ffff:169.254.169.254", "link-local"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ("2002:c0a8:0101::1", "RFC 1918"), ("::7f00:1", "loopback"),
    ("2001::1", "Teredo"),
    # Issue 27: the Azure platform's WireServer/DNS address in any form, and SIIT.
    ("168.63.129.16", "Azure platform"), ("::ffff:168.63.129.16", "Azure platform"),
    ("64:ff9b::a83f:8110", "Azure platform"), ("2002:a83f:8110::1", "Azure platform"),
    ("::ffff:0:7f00:1", "SIIT"), ("::ffff:0:a9fe:a9fe", "SIIT"), ("::ffff:0:808:808", "SIIT"),
]


@pytest.mark.parametrize("text,why", REFUSED)
def test_forbidden_address_names_the_reason(text, why):
    reason = forbidden_address(ipaddress.ip_address(text), allow_loopback=False)
    assert reason is not None and why in reason


@pytest.mark.parametrize("text", ["8.8.8.8", "1.1.1.1", "20.50.2.1", "2606:4700::1111",
                                  "2a01:111:f400::1", "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_are_allowed(text):
    assert forbidden_address(ipaddress.ip_address(text), allow_loopback=False) is None


@pytest.mark.parametrize("text", ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"])
def test_loopback_only_when_allowed(text):
    ip = ipaddress.ip_address(text)
    assert forbidden_address(ip, allow_loopback=True) is None
    assert forbidden_address(ip, allow_loopback=False) is not None
    # Allowing loopback allows nothing else.
    assert forbidden_address(ipaddress.ip_address("10.0.0.1"), allow_loopback=True)


@pytest.mark.parametrize("raw,normal", [
    ("HTTPS://Example.COM", "https://example.com/"),
    ("https://example.com:443/a?b=1", "https://example.com/a?b=1"),
    ("https://example.com:8443", "https://example.com:8443/"),
    ("https://example.com.?q", "https://example.com/?q"),
    ("https://Bücher.example/ä", "https://xn--bcher-kva.example/%C3%A4"),
    ("https://[2606:4700:0:0::1111]/", "https://[2606:4700::1111]/"),
    ("https://0x08.0x08.0x08.0x08/", "https://8.8.8.8/"),
    ("https://134744072/", "https://8.8.8.8/"),
    ("https://example.com/<x>", "https://example.com/%3Cx%3E"),
])
def test_normal_form(raw, normal):
    assert normalize_webhook_url(raw, allow_loopback_http=False) == normal
    assert normalize_webhook_url(normal, allow_loopback_http=False) == normal  # idempotent


@pytest.mark.parametrize("raw", ["http://127.0.0.1:8080/h", "http://127.3.2.1/", "http://[::1]/"])
def test_plain_http_to_a_loopback_literal_only_in_local_mode(raw):
    assert normalize_webhook_url(raw, allow_loopback_http=True) == raw
    with pytest.raises(ValueError, match="loopback"):
        normalize_webhook_url(raw, allow_loopback_http=False)


@pytest.mark.parametrize("raw", ["https://[::1]/", "https://127.0.0.1:8443/h",
                                 "https://[::ffff:127.0.0.1]/", "https://0x7f.1/"])
def test_https_to_loopback_is_refused_even_in_local_mode(raw):
    # The contract's local exception is plain http to a loopback literal, nothing more.
    for local in (True, False):
        with pytest.raises(ValueError, match="loopback"):
            normalize_webhook_url(raw, allow_loopback_http=local)


def test_the_partner_center_bases_may_use_tls_to_loopback_locally():
    # The simulation with --tls: its bases are configured by the operator, not a partner.
    assert normalize_webhook_url("https://127.0.0.1:7443/v1", allow_loopback_http=True,
                                 allow_loopback_https=True) == "https://127.0.0.1:7443/v1"
    with pytest.raises(ValueError, match="loopback"):
        normalize_webhook_url("https://127.0.0.1:7443/v1", allow_loopback_http=False,
                              allow_loopback_https=True)


def test_messages_start_with_must():
    for raw in ["", "x", "https://", "https://a b.example/", "https://[::1/",
                "https://example.com:0/", "https://example.com/%"]:
        with pytest.raises(ValueError, match=r"^must "):
            normalize_webhook_url(raw, allow_loopback_http=True)
