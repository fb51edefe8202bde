"""The HTTP server in-process: request/response mapping details."""

from __future__ import annotations

import http.client
import threading

import azure.functions as func
import pytest

from devhost.admin import Admin
from devhost.http_server import DevhostServer, _query_params
from devhost.indexing import index
from devhost.invoke import Invoker
from devhost.routes import Route, RouteTable


def build_app():
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="echo", methods=["POST", "GET", "HEAD"])
    def echo(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(req.get_body(), mimetype="application/octet-stream")

    @app.route(route="cookies")
    def cookies(req: func.HttpRequest) -> func.HttpResponse:
        resp = func.HttpResponse("ok", headers={"Content-Type": "text/csv"})
        resp.headers.add("Set-Cookie", "a=1")
        resp.headers.add("Set-Cookie", "b=2")
        return resp

    @app.route(route="none")
    def returns_none(req: func.HttpRequest) -> func.HttpResponse:
        return None  # type: ignore[return-value]

    @app.route(route="html")
    def html(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(
            "<p>hi</p>", mimetype="text/html", charset="latin-1", status_code=418
        )

    return app


@pytest.fixture(scope="module")
def server():
    specs = index(build_app(), ".")
    invoker = Invoker()
    routes = RouteTable(Route(f"api/{s.route}", s.methods, s) for s in specs)
    srv = DevhostServer(("127.0.0.1", 0), routes, Admin(specs, invoker, {}), invoker)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def connect(server):
    return http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=5)


def test_query_params_join_repeated_keys_and_keep_blanks():
    assert _query_params("a=1&a=2&b=&c=x%20y&d") == {"a": "1,2", "b": "", "c": "x y", "d": ""}


def test_keep_alive_connection_serves_several_requests(server):
    conn = connect(server)
    for body in (b"one", b"two", b""):
        conn.request("POST", "/api/echo", body=body)
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, body)
        assert resp.getheader("Content-Type") == "application/octet-stream"
    conn.close()


def test_chunked_request_body(server):
    conn = connect(server)
    conn.request(
        "POST",
        "/api/echo",
        body=iter([b"chunk-1;", b"chunk-2"]),
        encode_chunked=True,
        headers={"Transfer-Encoding": "chunked"},
    )
    resp = conn.getresponse()
    assert resp.read() == b"chunk-1;chunk-2"


def test_head_has_length_but_no_body(server):
    conn = connect(server)
    conn.request("HEAD", "/api/echo", body=b"abc")
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Content-Length") == "3"
    assert resp.read() == b""


def test_repeated_response_headers_and_explicit_content_type(server):
    conn = connect(server)
    conn.request("GET", "/api/cookies")
    resp = conn.getresponse()
    assert resp.read() == b"ok"
    assert resp.getheader("Content-Type") == "text/csv"
    assert [v for k, v in resp.getheaders() if k == "Set-Cookie"] == ["a=1", "b=2"]


def test_text_mimetype_gets_charset_and_status(server):
    conn = connect(server)
    conn.request("GET", "/api/html")
    resp = conn.getresponse()
    assert resp.status == 418
    assert resp.getheader("Content-Type") == "text/html; charset=latin-1"
    assert resp.read() == b"<p>hi</p>"


def test_returning_none_is_500(server):
    conn = connect(server)
    conn.request("GET", "/api/none")
    resp = conn.getresponse()
    assert (resp.status, resp.read()) == (500, b"")


def test_bad_content_length_is_400(server):
    conn = connect(server)
    conn.putrequest("POST", "/api/echo")
    conn.putheader("Content-Length", "lots")
    conn.endheaders()
    assert conn.getresponse().status == 400


def test_admin_invoke_of_http_function_is_refused(server):
    conn = connect(server)
    conn.request("POST", "/admin/functions/echo", body=b'{"input": ""}')
    resp = conn.getresponse()
    assert resp.status == 400
    assert b"HTTP function" in resp.read()
