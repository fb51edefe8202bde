"""Route templates as ASP.NET Core (and so the Functions host) reads them.

`{name}`, `{name:constraint}`, `{name?}`, `{name=default}`, `{*rest}` (catch-all), and complex
segments such as `{file}.{ext}`. Literal text matches case-insensitively. When several
templates match a path, the most specific wins, segment by segment: literal, then complex,
then constrained parameter, then parameter, then catch-all (ASP.NET's route precedence), so
`referrals/summary` beats `referrals/{id}`.

Constraints honoured: int, long, alpha, bool, guid, double, float, decimal, min(n), max(n),
range(a,b), length(n), length(a,b), minlength(n), maxlength(n). Others are accepted and
ignored (a warning is logged), which is looser than the host but never hides a route.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import unquote

from devhost import DevhostError

log = logging.getLogger("devhost")

T = TypeVar("T")
Check = Callable[[str], bool]

_LITERAL, _COMPLEX, _CONSTRAINED, _PARAM, _CATCH_ALL = 1, 2, 3, 4, 5
_TOKEN = re.compile(r"\{([^{}]*)\}")
_GUID = re.compile(r"\{?[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}\}?")
_INT = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _int_between(low: int, high: int) -> Check:
    return lambda v: bool(_INT.fullmatch(v)) and low <= int(v) <= high


def _length_between(low: int, high: int) -> Check:
    return lambda v: low <= len(v) <= high


def _constraint(spec: str) -> Check | None:
    name, _, rest = spec.partition("(")
    name = name.strip().lower()
    args = [int(a) for a in rest.rstrip(")").split(",") if a.strip().lstrip("-").isdigit()]
    simple: dict[str, Check] = {
        "int": _int_between(-(2**31), 2**31 - 1),
        "long": _int_between(-(2**63), 2**63 - 1),
        "alpha": lambda v: v.isascii() and v.isalpha(),
        "bool": lambda v: v.lower() in ("true", "false"),
        "guid": lambda v: bool(_GUID.fullmatch(v)),
        "double": lambda v: bool(_NUMBER.fullmatch(v)),
        "float": lambda v: bool(_NUMBER.fullmatch(v)),
        "decimal": lambda v: bool(_NUMBER.fullmatch(v)),
    }
    if name in simple and not rest:
        return simple[name]
    big = 2**63
    ranged: dict[tuple[str, int], Callable[[list[int]], Check]] = {
        ("min", 1): lambda a: _int_between(a[0], big),
        ("max", 1): lambda a: _int_between(-big, a[0]),
        ("range", 2): lambda a: _int_between(a[0], a[1]),
        ("length", 1): lambda a: _length_between(a[0], a[0]),
        ("length", 2): lambda a: _length_between(a[0], a[1]),
        ("minlength", 1): lambda a: _length_between(a[0], big),
        ("maxlength", 1): lambda a: _length_between(0, a[0]),
    }
    build = ranged.get((name, len(args)))
    return build(args) if build else None


@dataclass(frozen=True)
class Segment:
    kind: int
    literal: str = ""
    name: str = ""
    optional: bool = False
    default: str | None = None
    checks: tuple[Check, ...] = ()
    pattern: re.Pattern[str] | None = None

    def match(self, value: str, out: dict[str, str]) -> bool:
        if self.kind == _LITERAL:
            return value.lower() == self.literal.lower()
        if self.pattern is not None:
            found = self.pattern.fullmatch(value)
            if not found:
                return False
            out.update({k: v for k, v in found.groupdict().items() if v is not None})
            return True
        if not value or not all(check(value) for check in self.checks):
            return False
        out[self.name] = value
        return True


def _parse_parameter(token: str, template: str) -> Segment:
    catch_all = token.startswith("*")
    token = token.lstrip("*")
    default: str | None = None
    if "=" in token:
        token, default = token.split("=", 1)
    optional = token.endswith("?") or default is not None
    token = token.rstrip("?")
    name, *constraints = _split_constraints(token)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise DevhostError(f"route {template!r}: bad parameter name {name!r}")
    checks: list[Check] = []
    for spec in constraints:
        check = _constraint(spec)
        if check is None:
            log.warning("route %r: constraint %r not supported; ignored", template, spec)
        else:
            checks.append(check)
    kind = _CATCH_ALL if catch_all else (_CONSTRAINED if checks else _PARAM)
    return Segment(kind, name=name, optional=optional, default=default, checks=tuple(checks))


def _split_constraints(token: str) -> list[str]:
    """Split `id:int:range(1,5)` on colons that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in token:
        depth += (ch == "(") - (ch == ")")
        if ch == ":" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def parse_template(template: str) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    for text in [s for s in template.strip("/").split("/") if s != ""]:
        tokens = _TOKEN.findall(text)
        if not tokens:
            segments.append(Segment(_LITERAL, literal=text))
        elif len(tokens) == 1 and text == "{" + tokens[0] + "}":
            segments.append(_parse_parameter(tokens[0], template))
        else:
            # A segment mixing text and parameters: one regex, greedy so that, as in ASP.NET,
            # the last literal wins (`{name}.{ext}` on a.b.pdf gives a.b and pdf).
            pieces = _TOKEN.split(text)
            regex = "".join(
                re.escape(p) if i % 2 == 0 else f"(?P<{p.split(':')[0].rstrip('?')}>.+)"
                for i, p in enumerate(pieces)
            )
            try:
                pattern = re.compile(regex, re.IGNORECASE)
            except re.error as exc:
                raise DevhostError(f"route {template!r}: bad segment {text!r}: {exc}") from exc
            segments.append(Segment(_COMPLEX, pattern=pattern))
    for i, seg in enumerate(segments):
        if seg.kind == _CATCH_ALL and i != len(segments) - 1:
            raise DevhostError(f"route {template!r}: a catch-all must be the last segment")
        if seg.optional and not all(s.optional or s.kind == _CATCH_ALL for s in segments[i:]):
            raise DevhostError(f"route {template!r}: an optional parameter must come last")
    return tuple(segments)


@dataclass
class Route(Generic[T]):
    template: str
    methods: frozenset[str] | None
    target: T
    segments: tuple[Segment, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.segments = parse_template(self.template)

    @property
    def precedence(self) -> tuple[int, ...]:
        return tuple(s.kind for s in self.segments)

    def allows(self, method: str) -> bool:
        return self.methods is None or method.upper() in self.methods

    def match(self, parts: list[str]) -> dict[str, str] | None:
        values: dict[str, str] = {}
        for i, seg in enumerate(self.segments):
            if seg.kind == _CATCH_ALL:
                rest = "/".join(parts[i:])
                if rest or seg.default is not None:
                    values[seg.name] = rest or (seg.default or "")
                return values
            if i >= len(parts):
                if not seg.optional:
                    return None
                if seg.default is not None:
                    values[seg.name] = seg.default
                continue
            if not seg.match(parts[i], values):
                return None
        return values if len(parts) <= len(self.segments) else None


class RouteTable(Generic[T]):
    def __init__(self, routes: Iterable[Route[T]] = ()) -> None:
        self._routes: list[Route[T]] = []
        for route in routes:
            self.add(route)

    def add(self, route: Route[T]) -> None:
        for other in self._routes:
            if _same_shape(route, other) and _methods_overlap(route, other):
                raise DevhostError(
                    f"routes {other.template!r} and {route.template!r} are ambiguous "
                    "(same template and an overlapping method)"
                )
        self._routes.append(route)

    def resolve(self, method: str, path: str) -> tuple[Route[T], dict[str, str]] | None:
        """The most specific route for method and URL path (percent-encoded, no query)."""
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        best: tuple[Route[T], dict[str, str]] | None = None
        for route in self._routes:
            if not route.allows(method):
                continue
            values = route.match(parts)
            if values is not None and (best is None or route.precedence < best[0].precedence):
                best = (route, values)
        return best


def _same_shape(a: Route[T], b: Route[T]) -> bool:
    """Identical templates up to parameter names; constrained ones may legitimately differ."""

    def shape(r: Route[T]) -> list[tuple[int, str]] | None:
        if any(s.kind in (_COMPLEX, _CONSTRAINED) for s in r.segments):
            return None
        return [(s.kind, s.literal.lower()) for s in r.segments]

    return shape(a) is not None and shape(a) == shape(b)


def _methods_overlap(a: Route[T], b: Route[T]) -> bool:
    return a.methods is None or b.methods is None or bool(a.methods & b.methods)
