"""Webhook URL rules: one strict parser and one address policy, both pure (no DNS, no I/O).

A webhook URL is where the function app will POST from inside Azure, so every place where
two parsers could read a URL differently is a way into our own network: a tab urlsplit
drops, ``0x7f.1`` that the resolver reads as 127.0.0.1, ``localhost.`` with a trailing dot,
full-width digits that IDNA maps to ASCII. So the parser accepts only the shape it fully
understands and returns it normalised: the string that was checked is the string stored
and later used. Delivery checks the address it actually connects to again with
``forbidden_address`` (names can resolve anywhere; only literals can be judged here).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import quote

import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
HTTPS_ONLY = "must be an https URL (plain http only to a loopback IP address in local mode)"

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_PORT = re.compile(r"[0-9]{1,5}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# One part of an IPv4 address as inet_aton and the WHATWG URL parser read it.
_IPV4_PART = re.compile(r"0[xX][0-9a-fA-F]*|[0-9]+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What a path or query may carry as is (RFC 3986 pchar, "/" and "?", and escapes).
_SAFE = "/?:@!$&'()*+,;=-._~%"
# Unicode categories refused anywhere: controls, format (zero-width, bidi), surrogates,
# private use, unassigned, and every kind of space.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"})
# Names that never lead to a public host: special-use (RFC 6761, 6762, 8375) and the
# private-use suffixes that cloud metadata services and office networks answer on.
_PRIVATE_NAMES = ("localhost", "local", "internal", "localdomain", "home.arpa", "lan",
                  "intranet", "corp", "home", "private", "invalid")

LOOPBACK = "a loopback address"
_LOOPBACK_V4 = ipaddress.IPv4Network("127.0.0.0/8")
_LOOPBACK_V6 = ipaddress.IPv6Address("::1")
PRIVATE = "a private address (RFC 1918)"
DOCUMENTATION = "a documentation address"
_V4_RULES = tuple((ipaddress.IPv4Network(net), why) for net, why in (
    ("0.0.0.0/8", "an unspecified address"),
    (str(_LOOPBACK_V4), LOOPBACK),
    ("10.0.0.0/8", PRIVATE), ("172.16.0.0/12", PRIVATE), ("192.168.0.0/16", PRIVATE),
    ("100.64.0.0/10", "a shared (CGNAT) address"),
    ("169.254.0.0/16", "a link-local address"),
    ("192.0.0.0/24", "a reserved address"),
    ("192.0.2.0/24", DOCUMENTATION), ("198.51.100.0/24", DOCUMENTATION),
    ("203.0.113.0/24", DOCUMENTATION),
    ("198.18.0.0/15", "a benchmarking address"),
    ("192.88.99.0/24", "a reserved address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),  # and 255.255.255.255, the broadcast address
    # Public on paper, but inside Azure it is the platform's own WireServer and DNS resolver.
    ("168.63.129.16/32", "the Azure platform address (WireServer, DNS)"),
))
_V6_RULES = tuple((ipaddress.IPv6Network(net), why) for net, why in (
    ("::/128", "an unspecified address"),
    ("::1/128", LOOPBACK),
    ("fc00::/7", "a unique local address (RFC 4193)"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("ff00::/8", "a multicast address"),
    ("2001:db8::/32", DOCUMENTATION), ("3fff::/20", DOCUMENTATION),
    ("100::/64", "a discard-only address"),
    ("2001::/32", "a Teredo tunnel address"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    # SIIT's IPv4-translated form (RFC 2765): a translator's own, never a public host's, and
    # one a stack may hand to IPv4 (::ffff:0:7f00:1 reaching 127.0.0.1).
    ("::ffff:0:0:0/96", "an IPv4-translated (SIIT) address"),
))
# IPv6 forms that carry an IPv4 address the packet ends up at: IPv4-compatible (::/96),
# NAT64's well-known prefix, and 6to4. (IPv4-mapped is read by ipaddress itself.)
_EMBEDDING = (ipaddress.IPv6Network("::/96"), ipaddress.IPv6Network("64:ff9b::/96"))


def forbidden_address(ip: IPAddress, *, allow_loopback: bool) -> str | None:
    """Why the app must not connect to ``ip`` (``"a private address (RFC 1918)"``), or None
    for a public address. Loopback is allowed only with ``allow_loopback`` (local runs)."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = forbidden_address(inner, allow_loopback=allow_loopback)
            return f"an IPv6 form of {why}" if why else None
        rules: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = _V6_RULES
    else:
        rules = _V4_RULES
    for network, why in rules:
        if ip in network:
            return None if why == LOOPBACK and allow_loopback else why
    # Anything else the registries do not call globally reachable (new special ranges).
    return None if ip.is_global else "a non-public address"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if any(ip in net for net in _EMBEDDING) and int(ip) > 1:  # not :: or ::1 themselves
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def normalize_webhook_url(raw: str, *, allow_loopback_http: bool,
                          allow_loopback_https: bool = False) -> str:
    """``raw`` as the one canonical URL the app will call, or ValueError saying what is
    wrong in words a partner understands ("must ...").

    https only; plain http only to a loopback IP literal (127.0.0.0/8, [::1]) when
    ``allow_loopback_http`` (AUTH_MODE=local). An https URL never points at loopback: the
    contract's one local exception is plain http, so ``https://[::1]/`` is refused in every
    mode. ``allow_loopback_https`` (with ``allow_loopback_http``) is for the Partner Center
    bases, which a local run may point at the simulation served over TLS. Lower-case scheme
    and host, IDN hosts in punycode, IPv4 literals in dotted-quad whatever form they came in,
    IPv6 compressed, default port dropped, empty path as "/"."""
    _check_characters(raw)
    match = _SCHEME.match(raw)
    if match is None:
        raise ValueError("must be an absolute https URL")
    scheme = match.group(1).lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(HTTPS_ONLY)
    rest = raw[match.end():]
    cut = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if "@" in authority:
        raise ValueError("must not contain a user name or password")
    host, port = _split_port(authority)
    host_text, ip = _host(host)
    if ip is not None:
        loopback_ok = allow_loopback_http and (scheme == "http" or allow_loopback_https)
        why = forbidden_address(ip, allow_loopback=loopback_ok)
        if why:
            raise ValueError(f"must not point at {why} ({ip})")
    if scheme == "http" and not (allow_loopback_http and _plain_http_ok(ip)):
        raise ValueError(HTTPS_ONLY)
    port_text = "" if port in (None, DEFAULT_PORTS[scheme]) else f":{port}"
    return f"{scheme}://{host_text}{port_text}{_path(path)}"


def _check_characters(raw: str) -> None:
    if len(raw) > MAX_LENGTH:
        raise ValueError(f"must be at most {MAX_LENGTH} characters")
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in raw):
        raise ValueError("must not contain spaces or control characters")
    if "\\" in raw:
        raise ValueError("must not contain a backslash")
    if "#" in raw:
        raise ValueError("must not have a fragment (#...)")


def _split_port(authority: str) -> tuple[str, int | None]:
    if authority.startswith("["):
        end = authority.find("]")
        host, after = (authority[:end + 1], authority[end + 1:]) if end > 0 else (authority, "")
    elif authority.count(":") > 1:
        raise ValueError("must write an IPv6 address in brackets, as [::1]")
    else:
        host, colon, port = authority.partition(":")
        after = colon + port
    if not after:
        return host, None
    if not after.startswith(":") or not _PORT.fullmatch(after[1:]) \
            or not 1 <= int(after[1:]) <= 65535:
        raise ValueError("must have a port between 1 and 65535")
    return host, int(after[1:])


def _host(host: str) -> tuple[str, IPAddress | None]:
    """The host as it is written in the normalised URL, and its address if it is one."""
    if not host:
        raise ValueError("must have a host")
    if host.startswith("["):
        try:
            # A zone id ("%eth0") names an interface of our own host: never meaningful here.
            if not host.endswith("]") or "%" in host:
                raise ValueError
            ip6 = ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError("must have a valid IPv6 address in brackets") from None
        return f"[{ip6.compressed}]", ip6
    name = _ascii_name(host)
    ip4 = _ipv4(name)
    if ip4 is not None:
        return str(ip4), ip4
    return _check_name(name), None


def _ascii_name(host: str) -> str:
    """Lower-case ASCII, IDN labels in punycode (UTS 46 mapping, as browsers do), without
    the trailing dot of an absolute name."""
    host = host[:-1] if host.endswith(".") else host
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValueError("must have a valid host name") from None


def _ipv4(name: str) -> ipaddress.IPv4Address | None:
    """The address a resolver would read ``name`` as (inet_aton: 1 to 4 parts, each
    decimal, octal with a leading 0 or hex with 0x), or None for a host name. As in the
    WHATWG URL standard, a name whose last label is a number is an address or invalid."""
    parts = name.split(".")
    if not _IPV4_PART.fullmatch(parts[-1]):
        return None
    bad = ValueError("must have a valid IPv4 address")
    if len(parts) > 4 or not all(_IPV4_PART.fullmatch(p) for p in parts):
        raise bad
    try:
        numbers = [_ipv4_number(p) for p in parts]
    except ValueError:
        raise bad from None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise bad
    value = last + sum(n << (8 * (3 - i)) for i, n in enumerate(head))
    return ipaddress.IPv4Address(value)


def _ipv4_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        return int(part, 8)
    return int(part)


def _check_name(name: str) -> str:
    labels = name.split(".")
    if len(name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError("must have a valid host name")
    if any(name == n or name.endswith("." + n) for n in _PRIVATE_NAMES):
        raise ValueError("must not point at a local or internal host name")
    if len(labels) < 2:
        # A single label resolves through the DNS search list: to a host of our network.
        raise ValueError("must have a fully qualified public host name")
    return name


def _plain_http_ok(ip: IPAddress | None) -> bool:
    if isinstance(ip, ipaddress.IPv4Address):
        return ip in _LOOPBACK_V4
    return ip == _LOOPBACK_V6


def _path(path: str) -> str:
    if _BAD_ESCAPE.search(path):
        raise ValueError("must not contain a malformed percent-escape")
    # Percent-encode what may not appear raw (non-ASCII, quotes, <>, ...): the stored URL
    # is then exactly what goes on the wire.
    path = quote(path, safe=_SAFE)
    return path if path.startswith("/") else "/" + path
