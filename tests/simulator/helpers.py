"""What the simulation's tests share: signing in by hand (no MSAL) and a webhook receiver."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

from tools.partner_center_sim import DEFAULT_TENANT, SimulatorHandle

SCOPES = "https://api.partner.microsoft.com/user_impersonation offline_access openid profile"
REDIRECT = "http://127.0.0.1:9/api/partner-center/callback"


def authorize(sim: SimulatorHandle, tenant: str = DEFAULT_TENANT) -> tuple[str, str]:
    """Follow the authorize redirect: (code, PKCE verifier)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    answer = requests.get(f"{sim.url}/{tenant}/oauth2/v2.0/authorize", params={
        "client_id": sim.client_id, "response_type": "code", "redirect_uri": REDIRECT,
        "scope": SCOPES, "state": "st", "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256"}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0], verifier


def sign_in(sim: SimulatorHandle, tenant: str = DEFAULT_TENANT) -> requests.Session:
    """A session carrying a bearer access token of ``tenant``."""
    code, verifier = authorize(sim, tenant)
    tokens = requests.post(f"{sim.url}/{tenant}/oauth2/v2.0/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
        "client_id": sim.client_id, "client_secret": sim.client_secret,
        "code_verifier": verifier}, timeout=5).json()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    return session


class Receiver:
    """An HTTP endpoint that records what is POSTed and answers ``statuses`` in turn
    (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()},
                                          body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/events"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.received)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
