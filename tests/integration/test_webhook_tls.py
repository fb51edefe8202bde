"""The pinned-address HTTPS delivery against a real TLS server on 127.0.0.1, its certificate
from a private CA (trustme). The transport resolves the webhook's name once, connects to
that address, and still speaks TLS for the name: SNI, the certificate check and Host all
carry the name, never the address. The private CA is trusted the way the contract says
outbound HTTPS is configured: REQUESTS_CA_BUNDLE or SSL_CERT_FILE."""

from __future__ import annotations

import os
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import trustme

from shared.notifications import transport
from shared.settings import Settings

NAME = "hooks.contoso.example"
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")


@dataclass
class Seen:
    server_names: list[str | None] = field(default_factory=list)
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)  # path, Host, body


@dataclass
class TlsReceiver:
    port: int
    ca_pem: Path
    seen: Seen


def _handler(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.requests.append((self.path, self.headers.get("Host", ""), body))
            status = 302 if self.path == "/moved" else 204
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "https://elsewhere.example/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Receiver


def _serve(tmp: Path, ca: trustme.CA, cert_name: str) -> Iterator[TlsReceiver]:
    seen = Seen()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(cert_name).configure_cert(context)
    context.sni_callback = lambda sock, name, ctx: seen.server_names.append(name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(seen))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ca_pem = tmp / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    try:
        yield TlsReceiver(server.server_address[1], ca_pem, seen)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in CA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[TlsReceiver]:
    yield from _serve(tmp_path, trustme.CA(), NAME)


@pytest.fixture
def wrong_name_receiver(tmp_path: Path) -> Iterator[TlsReceiver]:
    yield from _serve(tmp_path, trustme.CA(), "other.contoso.example")


def _post(port: int, path: str = "/hook") -> requests.Response:
    """Deliver as the app does: the CA from the settings, read from the environment."""
    ca = Settings.from_env({**os.environ, "AzureWebJobsStorage": "UseDevelopmentStorage=true"}
                           ).ca_bundle
    resolved: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        resolved.append((host, port))
        return ["127.0.0.1"]

    resp = transport.post(f"https://{NAME}:{port}{path}", b'{"id": "e1"}',
                          {"Content-Type": "application/cloudevents+json"},
                          allow_loopback=True, resolver=resolver, ca_bundle=ca)
    assert resolved == [(NAME, port)]  # resolved once, by name
    return resp


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_delivers_to_the_pinned_address_speaking_tls_for_the_name(receiver, clean_env,
                                                                  variable):
    clean_env.setenv(variable, str(receiver.ca_pem))
    resp = _post(receiver.port)
    assert resp.status_code == 204
    assert receiver.seen.server_names == [NAME]  # SNI: the name, not 127.0.0.1
    assert receiver.seen.requests == [("/hook", f"{NAME}:{receiver.port}", b'{"id": "e1"}')]


def test_a_certificate_for_another_name_is_refused(wrong_name_receiver, clean_env):
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(wrong_name_receiver.ca_pem))
    with pytest.raises(requests.exceptions.SSLError, match=r"hostname|match"):
        _post(wrong_name_receiver.port)
    assert wrong_name_receiver.seen.requests == []  # nothing was sent to it


def test_a_certificate_from_an_untrusted_ca_is_refused(receiver, clean_env):
    with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
        _post(receiver.port)
    assert receiver.seen.requests == []


def test_a_redirect_is_answered_not_followed(receiver, clean_env):
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(receiver.ca_pem))
    assert _post(receiver.port, "/moved").status_code == 302
    assert [path for path, _, _ in receiver.seen.requests] == ["/moved"]


def test_proxy_variables_do_not_divert_it(receiver, clean_env):
    # The address was checked: a proxy from the environment would connect elsewhere.
    clean_env.setenv("REQUESTS_CA_BUNDLE", str(receiver.ca_pem))
    clean_env.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    clean_env.setenv("https_proxy", "http://127.0.0.1:9")
    assert _post(receiver.port).status_code == 204
