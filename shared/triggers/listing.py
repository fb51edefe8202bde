"""Query parameters of GET /referrals, validated with every bad one listed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from shared.domain.enums import Stage
from shared.domain.errors import FieldError
from shared.services.referrals import View

from .errors import InvalidRequest

DEFAULT_TOP, MAX_TOP = 50, 100

LIST_PARAMETERS: tuple[dict[str, Any], ...] = (
    {"name": "view", "in": "query", "description": "The tab: marketplace, qualified, favorites.",
     "schema": {"type": "string", "enum": list(View.ALL)}},
    {"name": "stage", "in": "query", "description": "Where in the life cycle.",
     "schema": {"type": "string", "enum": [s.value for s in Stage]}},
    {"name": "top", "in": "query", "description": "Page size.",
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": DEFAULT_TOP}},
    {"name": "continuationToken", "in": "query",
     "description": "Opaque; from the previous page's nextLink.", "schema": {"type": "string"}},
)


@dataclass(frozen=True)
class ListQuery:
    view: str | None
    stage: Stage | None
    top: int
    token: str | None


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    errors: list[FieldError] = []
    view = params.get("view") or None
    if view is not None and view not in View.ALL:
        errors.append(FieldError("invalidValue", f"must be one of {', '.join(View.ALL)}", "view"))
    stage_raw = params.get("stage") or None
    stage = None
    if stage_raw is not None:
        try:
            stage = Stage(stage_raw)
        except ValueError:
            errors.append(FieldError(
                "invalidValue", f"must be one of {', '.join(s.value for s in Stage)}", "stage"))
    top_raw = params.get("top")
    top = DEFAULT_TOP
    if top_raw is not None:
        if top_raw.isascii() and top_raw.isdigit() and 1 <= int(top_raw) <= MAX_TOP:
            top = int(top_raw)
        else:
            errors.append(FieldError("invalidValue", f"must be an integer 1..{MAX_TOP}", "top"))
    if errors:
        raise InvalidRequest("The query has invalid parameters; see details.",
                             errors[0].field if len(errors) == 1 else None, errors)
    return ListQuery(view, stage, top, params.get("continuationToken") or None)


def next_link(url: str, query: ListQuery, token: str) -> str:
    parts = urlsplit(url)
    params = {k: v for k, v in (("view", query.view),
                                ("stage", query.stage.value if query.stage else None),
                                ("top", str(query.top))) if v}
    params["continuationToken"] = token
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params), ""))
