"""The function app's indexed functions. The SDK's get_functions() may only run once per
app object (a second call raises 'not a unique function name'), so tests share this."""

from functools import cache

import function_app


@cache
def functions() -> list:
    return function_app.app.get_functions()
