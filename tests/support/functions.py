"""The function app's indexed functions. The SDK's get_functions() may only run once per
app object (a second call raises 'not a unique function name'), so tests share this."""

from functools import cache

import function_app


@cache
def functions() -> list:
    return function_app.app.get_functions()


def call_route(name: str, req, runtime):
    """Call the HTTP function ``name`` as the host would, over ``runtime``'s context."""
    from shared.http.pipeline import respond
    from shared.route_table import ROUTES

    route = next(r for r in ROUTES if r.name == name)
    return respond(req, route, runtime)
