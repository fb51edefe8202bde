"""The partner's dashboard: static assets shipped in this package, and what the page needs to
know about sign-in (``client_config``). No build step: plain HTML, CSS and ES modules.

Only files present in ``static/`` (flat, known extensions) are ever served; a name is looked up
in that listing, never joined onto a path, so no request can reach another file.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shared.settings import AuthMode, Settings

STATIC = Path(__file__).resolve().parent / "static"
# Browser libraries copied from npm at setup and before packaging (scripts/vendor-ui): not in
# git, served by name like the files above them.
VENDOR = STATIC / "vendor"
INDEX = "index.html"
MSAL_BUNDLE = "msal-browser.min.js"  # @azure/msal-browser, for AUTH_MODE=entra

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
}
_COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".webmanifest")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+$")


@dataclass(frozen=True)
class Asset:
    name: str
    content_type: str
    body: bytes
    etag: str
    gzipped: bytes | None = None

    def variant(self, accept_encoding: str) -> tuple[bytes, str, bool]:
        """(body, ETag, gzipped) for a client announcing ``accept_encoding``."""
        if self.gzipped is not None and _accepts_gzip(accept_encoding):
            return self.gzipped, self.etag[:-1] + '-gz"', True
        return self.body, self.etag, False


@cache
def _listing() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in (VENDOR, STATIC):  # the app's own files win over a same-named vendor one
        if folder.is_dir():
            found.update({p.name: p for p in folder.iterdir()
                          if p.is_file() and p.suffix in CONTENT_TYPES and _NAME.fullmatch(p.name)})
    return found


def names() -> list[str]:
    return sorted(_listing())


def asset(name: str) -> Asset | None:
    """The asset called ``name``, or None for anything else (including any path)."""
    if not _NAME.fullmatch(name or ""):
        return None
    path = _listing().get(name)
    if path is None:
        return None
    try:
        stamp = path.stat().st_mtime_ns  # edits show up on reload during development
    except OSError:
        return None
    return _load(path, stamp)


@lru_cache(maxsize=64)
def _load(path: Path, _stamp: int) -> Asset:
    body = path.read_bytes()
    digest = hashlib.sha256(body).hexdigest()[:32]
    packed = None
    if path.suffix in _COMPRESSIBLE and len(body) > 1024:
        packed = gzip.compress(body, compresslevel=9, mtime=0)
    return Asset(path.name, CONTENT_TYPES[path.suffix], body, f'"{digest}"', packed)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match uses."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def _accepts_gzip(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        if coding != "gzip":
            continue
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False


def _entra_origin(cfg: Settings) -> str | None:
    parts = urlsplit(cfg.entra_authority)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme == "https" and parts.netloc else None


def content_security_policy(cfg: Settings | None) -> str:
    """Self only; with AUTH_MODE=entra the sign-in authority may be called and framed
    (MSAL's silent token renewal)."""
    connect, frame = "'self'", "'none'"
    if cfg is not None and cfg.auth_mode is AuthMode.ENTRA:
        origin = _entra_origin(cfg)
        if origin:
            connect, frame = f"'self' {origin}", origin
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
        f"connect-src {connect}", f"frame-src {frame}", "object-src 'none'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ])


def client_config(cfg: Settings) -> dict[str, Any]:
    """What the page needs to sign in; never a secret."""
    mode = cfg.auth_mode
    body: dict[str, Any] = {
        "authMode": mode.value,
        # The developer sign-in exists only where the API trusts it.
        "localSignIn": mode is AuthMode.LOCAL and not cfg.running_in_azure,
    }
    if mode is AuthMode.EASYAUTH:
        body["loginUrl"] = "/.auth/login/aad?post_login_redirect_uri=/api/ui"
        body["logoutUrl"] = "/.auth/logout?post_logout_redirect_uri=/api/ui"
    if mode is AuthMode.ENTRA:
        scopes = list(cfg.entra_scopes)
        if not scopes and cfg.entra_audience:
            scopes = [f"{cfg.entra_audience.rstrip('/')}/.default"]
        body["entra"] = {
            "clientId": cfg.entra_client_id,
            "authority": cfg.entra_authority,
            "scopes": scopes,
            "msalBundle": MSAL_BUNDLE if MSAL_BUNDLE in _listing() else None,
        }
    return body
