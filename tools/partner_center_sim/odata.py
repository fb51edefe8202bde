"""The OData query options the Referrals API takes on ``GET .../referrals``: ``$filter``
(comparisons joined by ``and``), ``$orderby`` (``updatedDateTime``,
``asc``/``desc``), ``$top`` (at most 100 a page), ``$skip``, and paging by
``@odata.nextLink`` (Partner Center docs "Get a list of referrals"; OData v4 URL conventions
for the syntax: string literals in single quotes, date-times bare).

The next link carries a keyset ``$skiptoken`` (the last item's place), so a referral
updated while a client pages moves behind the cursor and is met again rather than shifting
the pages; ``paging="skip"`` makes the link use ``$skip`` instead, the harsher behaviour of
offset paging.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any
from urllib.parse import urlencode

from .store import Key, TenantReferrals
from .timefmt import parse

MAX_TOP = 100
_CLAUSE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9/]*)\s+(eq|ne|gt|ge|lt|le)\s+(.+?)\s*$")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_DATE_FIELDS = {"createdDateTime", "updatedDateTime", "expirationDateTime",
                "acceptedDateTime"}
_ORDER_FIELDS = {"updatedDateTime"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b, "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b, "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b, "le": lambda a, b: a is not None and a <= b}


class QueryError(ValueError):
    """A query option the simulation (like Partner Center) does not accept: 400."""


@dataclass(frozen=True)
class Clause:
    path: tuple[str, ...]
    op: str
    value: Any

    def matches(self, referral: dict[str, Any]) -> bool:
        found: Any = referral
        for part in self.path:
            found = found.get(part) if isinstance(found, dict) else None
        if self.path[-1] in _DATE_FIELDS and isinstance(found, str):
            found = parse(found)
        return _COMPARE[self.op](found, self.value)


def _literal(text: str, field: str) -> Any:
    if text.startswith("'") and text.endswith("'") and len(text) >= 2:
        value: Any = text[1:-1].replace("''", "'")
        return parse(value) if field in _DATE_FIELDS else value
    if text == "null":
        return None
    if field in _DATE_FIELDS:
        return parse(text)
    try:
        return json.loads(text)
    except ValueError:
        raise QueryError(f"unsupported literal {text!r}") from None


def parse_filter(text: str | None) -> list[Clause]:
    if not text or not text.strip():
        return []
    if re.search(r"\bor\b|\(|\bnot\b", text, re.IGNORECASE):
        raise QueryError("only comparisons joined by 'and' are supported")
    clauses = []
    for part in _AND.split(text.strip()):
        match = _CLAUSE.match(part)
        if not match:
            raise QueryError(f"cannot read filter clause {part!r}")
        path, op, literal = match.groups()
        try:
            value = _literal(literal, path.split("/")[-1])
        except ValueError as exc:
            raise QueryError(str(exc)) from None
        clauses.append(Clause(tuple(path.split("/")), op, value))
    return clauses


def parse_orderby(text: str | None) -> bool:
    """Whether the order is descending; only updatedDateTime is orderable here."""
    if not text:
        return False
    parts = text.split()
    if parts[0] not in _ORDER_FIELDS or len(parts) > 2 or (
            len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        raise QueryError(f"unsupported $orderby {text!r}")
    return len(parts) == 2 and parts[1].lower() == "desc"


def parse_top(text: str | None) -> int:
    if text is None:
        return MAX_TOP
    if not text.isdigit() or int(text) < 1:
        raise QueryError("$top must be a positive integer")
    return min(int(text), MAX_TOP)


def encode_token(key: Key) -> str:
    raw = json.dumps([key[0].isoformat(), key[1]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> Key:
    try:
        moment, ident = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return (datetime.fromisoformat(moment), str(ident))
    except (ValueError, TypeError):
        raise QueryError("invalid $skiptoken") from None


@dataclass(frozen=True)
class Page:
    value: list[dict[str, Any]]
    next_params: dict[str, str] | None


def list_page(store: TenantReferrals, params: dict[str, str], paging: str = "skiptoken",
              ) -> Page:
    """One page for the query ``params`` (already URL-decoded)."""
    clauses = parse_filter(params.get("$filter"))
    descending = parse_orderby(params.get("$orderby"))
    top = parse_top(params.get("$top"))
    skip = int(params["$skip"]) if params.get("$skip", "").isdigit() else 0
    if "$skiptoken" in params:
        rows: Iterator[dict[str, Any]] = store.iter_after(decode_token(params["$skiptoken"]),
                                                          descending)
    else:
        rows = store.iter_ordered(descending)
    matching = (r for r in rows if all(c.matches(r) for c in clauses))
    window = list(islice(matching, skip, skip + top + 1))
    value, more = window[:top], len(window) > top
    if not more:
        return Page(value, None)
    keep = {k: v for k, v in params.items() if k in ("$filter", "$orderby", "$top")}
    if paging == "skip":
        return Page(value, {**keep, "$top": str(top), "$skip": str(skip + top)})
    last = value[-1]
    token = encode_token((parse(last["updatedDateTime"]), last["id"]))
    return Page(value, {**keep, "$top": str(top), "$skiptoken": token})


def next_link(base: str, params: dict[str, str]) -> str:
    return base + "?" + urlencode(params, safe="$'/:,")
