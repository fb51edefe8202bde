"""webhookUrl at the edge: PUT /api/profile as the host calls it, in local mode (plain http
to a loopback literal allowed) and in production modes (https only, no loopback). A URL is
either stored in its normal form or refused with 400 and nothing written."""

from __future__ import annotations

import json
from itertools import count

import azure.functions as func
import pytest

from shared.settings import AuthMode, Settings, StorageSettings
from tests.support.factories import ADMIN, headers, profile_body
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"
NO = None  # refused with 400
TENANTS = count()

# (sent, stored in local mode, stored in production); NO = 400 invalidRequest.
URLS: list[tuple[str, str | None, str | None]] = [
    # The findings: loopback look-alikes and server-side request forgery targets.
    ("http://127.attacker.example/", NO, NO),
    ("http://127.0.0.1.nip.io/", NO, NO),
    ("http://127.0.0.1\t.evil.example/", NO, NO),
    ("https://169.254.169.254/latest/meta-data/", NO, NO),
    ("https://10.0.0.1/", NO, NO),
    ("https://192.168.1.1/", NO, NO),
    ("https://172.20.0.5/hook", NO, NO),
    ("https://metadata.google.internal/", NO, NO),
    ("https://localhost/", NO, NO),
    ("https://localhost./", NO, NO),
    ("https://api.localhost/", NO, NO),
    ("https://intranet/hook", NO, NO),
    ("https://100.64.0.1/", NO, NO),
    ("https://224.0.0.1/", NO, NO),
    ("https://0.0.0.0/", NO, NO),
    # Raw strings that used to be stored as sent.
    ("https://example.com/\r\nX-Injected: 1", NO, NO),
    (" https://example.com/", NO, NO),
    ("https://example.com/\t", NO, NO),
    ("https://example.com:99999/", NO, NO),
    ("https://example.com:0/", NO, NO),
    ("https://example.com:/", NO, NO),
    ("https://user:pw@example.com/", NO, NO),
    ("https://example.com@10.0.0.1/", NO, NO),
    ("https://example.com/hook#frag", NO, NO),
    ("https://example.com\\@evil.example/", NO, NO),
    ("ftp://example.com/", NO, NO),
    ("https:example.com", NO, NO),
    ("https:///path", NO, NO),
    ("http://example.com/hook", NO, NO),
    ("http://localhost:7071/hook", NO, NO),
    # IPv6 forms.
    ("http://[::1]:8080/h", "http://[::1]:8080/h", NO),
    # Locally the one exception is plain http to a loopback literal: https to loopback is
    # refused in every mode, whatever form the address takes.
    ("https://[::1]/", NO, NO),
    ("https://[::1]:8443/hook", NO, NO),
    ("https://[::ffff:127.0.0.1]/", NO, NO),
    ("http://[::ffff:127.0.0.1]/", NO, NO),  # the contract names 127.0.0.0/8 and [::1] only
    ("https://127.0.0.1/", NO, NO),
    ("https://[::ffff:a9fe:a9fe]/", NO, NO),
    ("https://[fd00::1]/", NO, NO),
    ("https://[fe80::1]/", NO, NO),
    ("https://[fe80::1%25eth0]/", NO, NO),
    ("https://[::]/", NO, NO),
    ("https://[64:ff9b::a00:1]/", NO, NO),
    ("https://[::ffff:0:7f00:1]/", NO, NO),  # SIIT, even in local mode
    ("https://168.63.129.16/", NO, NO),  # Azure's WireServer and DNS
    ("https://2822734096/", NO, NO),
    ("https://[2606:4700:0000::1111]:443/x", "https://[2606:4700::1111]/x",
     "https://[2606:4700::1111]/x"),
    ("https://2606:4700::1111/", NO, NO),
    # IPv4 in decimal, octal, hex and short forms: read as the resolver reads them.
    ("http://2130706433/", "http://127.0.0.1/", NO),
    ("https://2130706433/", NO, NO),
    ("http://0x7f000001:9/h", "http://127.0.0.1:9/h", NO),
    ("http://0177.0.0.1/", "http://127.0.0.1/", NO),
    ("http://127.1/", "http://127.0.0.1/", NO),
    ("https://0/", NO, NO),
    ("https://3232235777/", NO, NO),
    ("https://0xa9.0xfe.0xa9.0xfe/", NO, NO),
    ("https://012.0.0.1/", NO, NO),
    ("https://1.2.3.999/", NO, NO),
    ("https://example.123/", NO, NO),
    ("https://134744072/hook", "https://8.8.8.8/hook", "https://8.8.8.8/hook"),
    # IDNs: punycode stored; look-alikes of addresses and names are read as what they map to.
    ("https://Bücher.example/hook", "https://xn--bcher-kva.example/hook",
     "https://xn--bcher-kva.example/hook"),
    ("https://\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45.com/", "https://example.com/", "https://example.com/"),
    ("http://①②⑦.0.0.1/", "http://127.0.0.1/", NO),
    ("https://①②⑦.0.0.1/", NO, NO),
    ("https://localhost。/", NO, NO),
    ("https://exa\u200bmple.com/", NO, NO),
    # Accepted, in their normal form. A redirector is a fine URL: delivery never follows
    # redirects, so where it points does not matter.
    ("HTTPS://Hooks.Contoso.EXAMPLE:443", "https://hooks.contoso.example/",
     "https://hooks.contoso.example/"),
    ("https://hooks.contoso.example:8443/a/b?x=1&y=2", "https://hooks.contoso.example:8443/a/b?x=1&y=2",
     "https://hooks.contoso.example:8443/a/b?x=1&y=2"),
    ("https://redirector.example/to?url=http://10.0.0.1/", "https://redirector.example/to?url=http://10.0.0.1/",
     "https://redirector.example/to?url=http://10.0.0.1/"),
    ("https://example.com/é", "https://example.com/%C3%A9",
     "https://example.com/%C3%A9"),
    ("http://127.0.0.1:7071/hook", "http://127.0.0.1:7071/hook", NO),
    ("http://127.9.8.7/", "http://127.9.8.7/", NO),
]


def _app(mode: AuthMode) -> MemoryApp:
    return MemoryApp(settings=Settings(storage=StorageSettings(connection_string="unused"),
                                       auth_mode=mode, easyauth_enabled=True))


def _call(app: MemoryApp, name: str, method: str, tenant: str, body: bytes = b""
          ) -> tuple[int, dict]:
    req = func.HttpRequest(method, BASE + "/profile", headers=headers(tenant, ADMIN),
                           params={}, route_params={}, body=body)
    resp = call_route(name, req, app.runtime())
    return resp.status_code, json.loads(resp.get_body())


@pytest.mark.parametrize("mode", [AuthMode.LOCAL, AuthMode.EASYAUTH])
@pytest.mark.parametrize("sent,local,production", URLS)
def test_webhook_url_is_stored_normalised_or_refused(mode, sent, local, production):
    app, tenant = _app(mode), f"t{next(TENANTS)}"
    expected = local if mode is AuthMode.LOCAL else production
    body = json.dumps({**profile_body(), "webhookUrl": sent}).encode()
    status, payload = _call(app, "put_profile", "PUT", tenant, body)
    if expected is None:
        assert status == 400, payload
        assert payload["error"]["code"] == "invalidRequest"
        assert payload["error"]["target"] == "webhookUrl"
        assert payload["error"]["details"][0]["message"].startswith("must ")
        assert _call(app, "get_profile", "GET", tenant)[0] == 404  # nothing written
    else:
        assert status == 200, payload
        assert payload["webhookUrl"] == expected
        assert _call(app, "get_profile", "GET", tenant)[1]["webhookUrl"] == expected


def test_the_table_is_big_enough():
    assert len(URLS) >= 40
