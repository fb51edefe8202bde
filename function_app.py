"""The Azure Functions app: registers the blueprints of the route table
(shared/route_table.py), nothing else."""

import azure.functions as func

from shared import bootstrap
from shared.route_table import BLUEPRINTS
from shared.telemetry import setup as telemetry

# Every setting is read and checked here, before anything is registered: an invalid one
# (AUTH_MODE=locall, a private notification URL) stops the app at start, and the Functions
# host (or devhost) reports the SettingsError naming it, instead of a 500 on every request.
# Telemetry next, before any invocation can run (with neither switch on: nothing at all).
telemetry.configure(bootstrap.settings().telemetry)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in BLUEPRINTS:  # the route table's, in its order
    app.register_functions(blueprint)
