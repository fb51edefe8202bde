"""Each HTTP route's facts, written once: the Functions registration and the OpenAPI document
are both built from these ``Route`` rows, so neither can drift from the other."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import azure.functions as func
from pydantic import BaseModel

from shared.auth import Role

if TYPE_CHECKING:
    from .http_support import Call

Action = Callable[["Call"], func.HttpResponse]
Method = Literal["GET", "PUT", "POST", "PATCH", "DELETE"]
IfMatch = Literal["none", "optional", "required"]


@dataclass(frozen=True)
class Route:
    name: str  # the function's name; in camelCase, the OpenAPI operationId
    method: Method
    path: str  # the Functions route template (under the "api" prefix)
    summary: str
    tag: str
    action: Action
    roles: frozenset[Role] | None = None  # None: anonymous
    body: type[BaseModel] | None = None
    body_required: bool = True
    response: type[BaseModel] | None = None  # the JSON success body, if any
    status: int = 200
    response_headers: tuple[str, ...] = ()  # documented: "ETag", "Location"
    if_match: IfMatch = "none"
    query: tuple[dict[str, Any], ...] = ()  # OpenAPI parameter objects
    description: str | None = None
    extra_responses: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] | None = None  # non-JSON success content (the dashboard's files)


def register(bp: func.Blueprint, routes: Sequence[Route]) -> None:
    for route in routes:
        bp.route(route=route.path, methods=[route.method])(_function(route))


def _function(route: Route) -> Callable[[func.HttpRequest], func.HttpResponse]:
    from .http_support import respond

    def function(req: func.HttpRequest) -> func.HttpResponse:
        return respond(req, route)

    # The host names the function after the Python function.
    function.__name__ = function.__qualname__ = route.name
    return function
