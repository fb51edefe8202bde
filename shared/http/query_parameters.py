"""Query parameters of GET /referrals and its export, validated with every bad one listed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from shared.domain.enums import ListOrder, Qualification, Stage
from shared.domain.errors import FieldError
from shared.domain.text import words
from shared.http.errors import InvalidRequest
from shared.services.referrals import View
from shared.storage.ports import ListQuery

DEFAULT_TOP, MAX_TOP = 50, 100
MAX_SEARCH = 100
PAGING = ("top", "continuationToken")
# The Functions host's own key parameter may ride along on any request.
HOST_PARAMS = ("code",)
# Orders that only some stages have: the stage they imply.
ORDER_STAGE = {ListOrder.EXPIRATION_ASC: Stage.RECEIVED, ListOrder.CLOSING_ASC: Stage.ACCEPTED,
               ListOrder.VALUE_DESC: Stage.ACCEPTED, ListOrder.FIT_DESC: Stage.RECEIVED}
_COUNTRY = re.compile(r"[A-Z]{2}")


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _enum(values: list[str]) -> dict[str, Any]:
    return {"type": "string", "enum": values}


FILTER_PARAMETERS: tuple[dict[str, Any], ...] = (
    _param("view", "The tab: marketplace, qualified, favorites.", _enum(list(View.ALL))),
    _param("stage", "Where in the life cycle.", _enum([s.value for s in Stage])),
    _param("qualification", "The kind of lead.", _enum([q.value for q in Qualification])),
    _param("country", "The customer's country (ISO 3166 alpha-2).",
           {"type": "string", "pattern": "^[A-Z]{2}$"}),
    _param("search", "Words of the customer's or deal's name starting with this (case and "
           "accents ignored), or an equal externalReferenceId or id.",
           {"type": "string", "minLength": 1, "maxLength": MAX_SEARCH}),
    _param("createdFrom", "Arrived on or after this day.", {"type": "string", "format": "date"}),
    _param("createdTo", "Arrived on or before this day.", {"type": "string", "format": "date"}),
    _param("orderBy", "Sort order; ties break by id.", _enum([o.value for o in ListOrder])),
    _param("owner", "Only referrals this person owns: an object id, or `me`.",
           {"type": "string", "minLength": 1, "maxLength": 128}),
)
PAGING_PARAMETERS: tuple[dict[str, Any], ...] = (
    _param("top", "Page size.",
           {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": DEFAULT_TOP}),
    _param("continuationToken", "Opaque; from the previous page's nextLink.", {"type": "string"}),
)
LIST_PARAMETERS: tuple[dict[str, Any], ...] = (*FILTER_PARAMETERS, *PAGING_PARAMETERS)
_KNOWN = {p["name"] for p in LIST_PARAMETERS}
EXPORT_PARAMETERS = {p["name"] for p in FILTER_PARAMETERS}


@dataclass(frozen=True)
class ListRequest:
    query: ListQuery
    top: int
    token: str | None


class _Parser:
    """Reads each parameter, collecting every problem instead of stopping at the first."""

    def __init__(self, params: Mapping[str, str]) -> None:
        self.params, self.errors = params, list[FieldError]()

    def get(self, name: str) -> str | None:
        # Present but empty (?view=) is a bad value, not an absent one.
        return self.params.get(name)

    def choice(self, name: str, convert: Callable[[str], Any], allowed: list[str]) -> Any:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            return convert(raw)
        except ValueError:
            self.fail(name, f"must be one of {', '.join(allowed)}")
            return None

    def day(self, name: str) -> date | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            # fromisoformat also takes 20261128 and week dates; the contract says YYYY-MM-DD.
            if len(raw) != 10:
                raise ValueError(raw)
            return date.fromisoformat(raw)
        except ValueError:
            self.fail(name, "must be a date, YYYY-MM-DD")
            return None

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError("invalidValue", message, name))


def parse_filters(params: Mapping[str, str], allowed: set[str] | None = None,
                  me: str | None = None) -> ListQuery:
    """The filters and order; raises InvalidRequest listing every bad or unknown parameter."""
    p = _Parser(params)
    allowed = allowed if allowed is not None else _KNOWN
    for name in sorted(set(params) - allowed - set(HOST_PARAMS)):
        p.errors.append(FieldError("unknownParameter", "is not a parameter of this route", name))
    view = p.choice("view", lambda v: View.ALL[View.ALL.index(v)], list(View.ALL))
    stage = p.choice("stage", Stage, [s.value for s in Stage])
    qualification = p.choice("qualification", Qualification, [q.value for q in Qualification])
    order = p.choice("orderBy", ListOrder, [o.value for o in ListOrder]) or ListOrder.CREATED_DESC
    country = p.get("country")
    if country is not None and not _COUNTRY.fullmatch(country):
        p.fail("country", "must be an ISO 3166 alpha-2 code in capitals, like NL")
    created_from, created_to = p.day("createdFrom"), p.day("createdTo")
    if created_from and created_to and created_from > created_to:
        p.fail("createdTo", "must not be before createdFrom")
    search = p.get("search")
    if search is not None and not (search.strip() and len(search) <= MAX_SEARCH):
        p.fail("search", f"must be 1..{MAX_SEARCH} characters")
    owner = p.get("owner")
    if owner is not None and not (owner.strip() and len(owner) <= 128):
        p.fail("owner", "must be an object id or me")
    _check_order(p, order, stage, search)
    if owner and order is not ListOrder.CREATED_DESC:
        p.fail("orderBy", "an owner's referrals come newest first; leave orderBy out")
    _raise(p.errors)
    owners = (me if owner == "me" and me else owner,) if owner else ()
    return ListQuery(group=view or "all", stage=stage, qualification=qualification,
                     country=country, created_from=created_from, created_to=created_to,
                     search=tuple(words(search)) if search else (), search_raw=search,
                     order=order, owners=owners)


def _check_order(p: _Parser, order: ListOrder, stage: Stage | None, search: str | None) -> None:
    implied = ORDER_STAGE.get(order)
    if implied is not None and stage not in (None, implied):
        p.fail("orderBy", f"{order.value} lists {implied.value} referrals; "
                          f"use stage={implied.value} or leave stage out")
    if search and order is not ListOrder.CREATED_DESC:
        p.fail("orderBy", "search results come in their own order; leave orderBy out")


def parse_list_request(params: Mapping[str, str], me: str | None = None) -> ListRequest:
    errors: list[FieldError] = []
    try:
        query = parse_filters(params, me=me)
    except InvalidRequest as exc:
        errors, query = exc.details, ListQuery()
    top = _top(params, errors)
    _raise(errors)
    return ListRequest(query, top, params.get("continuationToken") or None)


def _top(params: Mapping[str, str], errors: list[FieldError]) -> int:
    """The page size, or the default; a bad one is added to ``errors``."""
    raw = params.get("top")
    if raw is None:
        return DEFAULT_TOP
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_TOP:
        return int(raw)
    errors.append(FieldError("invalidValue", f"must be an integer 1..{MAX_TOP}", "top"))
    return DEFAULT_TOP


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidRequest("The query has invalid parameters; see details.",
                             errors[0].field if len(errors) == 1 else None, errors)


def next_link(url: str, params: Mapping[str, str], token: str) -> str:
    """The same request with the next page's token (every other parameter kept as sent)."""
    parts = urlsplit(url)
    kept = {k: v for k, v in params.items() if k != "continuationToken" and k not in HOST_PARAMS}
    kept["continuationToken"] = token
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))


WINDOW_PARAMETERS: tuple[dict[str, Any], ...] = (
    _param("from", "Only referrals that arrived on or after this day.",
           {"type": "string", "format": "date"}),
    _param("to", "Only referrals that arrived on or before this day.",
           {"type": "string", "format": "date"}),
)


def parse_window(params: Mapping[str, str]) -> tuple[date | None, date | None]:
    """GET /insights' arrival window (inclusive days)."""
    p = _Parser(params)
    for name in sorted(set(params) - {"from", "to", *HOST_PARAMS}):
        p.errors.append(FieldError("unknownParameter", "is not a parameter of this route", name))
    day_from, day_to = p.day("from"), p.day("to")
    if day_from and day_to and day_from > day_to:
        p.fail("to", "must not be before from")
    _raise(p.errors)
    return day_from, day_to


def parse_paging(params: Mapping[str, str]) -> tuple[int, str | None]:
    """``top`` and ``continuationToken`` of a paged route that takes nothing else."""
    p = _Parser(params)
    for name in sorted(set(params) - {"top", "continuationToken", *HOST_PARAMS}):
        p.errors.append(FieldError("unknownParameter", "is not a parameter of this route", name))
    top = _top(params, p.errors)
    _raise(p.errors)
    return top, params.get("continuationToken") or None
