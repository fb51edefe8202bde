"""The HTTP route modules: each holds ``ROUTES`` (rows of ``shared.http.call.Route``: parse,
call one service, map the result) and the ``bp`` blueprint they are registered on. The route
table (shared/route_table.py) lists them for function_app.py and the OpenAPI document."""
