"""What leaks at the edge: no stack traces in bodies, no principals or tokens in logs."""

import json
import logging

import azure.functions as func

from tests.support.factories import ADMIN, principal
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp


def test_internal_error_is_opaque_and_logs_no_credentials(caplog):
    app = MemoryApp()

    def explode(*_args):
        raise RuntimeError("secret internals: connection string AccountKey=abc")

    app.store.get = explode  # type: ignore[method-assign]
    secret_principal = principal("t1", ADMIN)
    token = "eyJhbGciOiJSUzI1NiJ9.payload.signature"
    with caplog.at_level(logging.DEBUG):
        resp = call_route("get_referral", func.HttpRequest(
                "GET", "http://h/api/referrals/r1?x=1",
                headers={"X-MS-CLIENT-PRINCIPAL": secret_principal,
                         "Authorization": f"Bearer {token}"},
                route_params={"id": "r0000000000000aaaaaaaaaa"}, body=b""), app.runtime())
    assert resp.status_code == 500
    body = json.loads(resp.get_body())
    assert body["error"]["code"] == "internalError"
    assert "secret internals" not in resp.get_body().decode()
    assert "Traceback" not in resp.get_body().decode()
    assert "RuntimeError" in caplog.text  # operators still see what happened
    assert secret_principal not in caplog.text and token not in caplog.text
