"""The HTTP client MSAL talks through, and how a plain-http local authority is reached.

MSAL for Python accepts only ``https://`` authorities and token endpoints (its
``authority.canonicalize`` refuses anything else), while the local Partner Center simulation
serves its identity endpoints over plain http on 127.0.0.1. With ``AUTH_MODE=local`` and a
loopback http authority, MSAL is given the same origin written as https, and this client
maps that origin back to http on the wire; the OpenID configuration the simulation serves is
mapped the other way, so MSAL only ever sees https. Nothing else is rewritten, and no other
host is ever reached this way.
"""

from __future__ import annotations

from typing import Any

import requests

WELL_KNOWN = "/.well-known/openid-configuration"


class _Answer:
    """The few fields MSAL reads from an answer (status, text, headers)."""

    def __init__(self, response: requests.Response, text: str) -> None:
        self.status_code = response.status_code
        self.text = text
        self.headers = response.headers

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(f"HTTP {self.status_code}")


class LoopbackAsHttps:
    """``get``/``post``/``close`` as MSAL calls them, for one plain-http loopback origin."""

    def __init__(self, http_origin: str, session: requests.Session) -> None:
        if not http_origin.startswith("http://"):
            raise ValueError("only a plain-http origin needs this client")
        self.http_origin = http_origin.rstrip("/")
        self.https_origin = "https://" + self.http_origin.removeprefix("http://")
        self._session = session

    def to_wire(self, url: str) -> str:
        """An https URL of the origin as it is really reached (also what a browser opens)."""
        if url == self.https_origin or url.startswith(self.https_origin + "/"):
            return self.http_origin + url[len(self.https_origin):]
        return url

    def get(self, url: str, **kwargs: Any) -> _Answer | requests.Response:
        response = self._session.get(self.to_wire(url), **kwargs)
        if url.split("?", 1)[0].endswith(WELL_KNOWN):
            return _Answer(response, response.text.replace(self.http_origin, self.https_origin))
        return response

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.post(self.to_wire(url), **kwargs)

    def close(self) -> None:
        self._session.close()
