"""The Azure Functions app: registers the blueprints, nothing else."""

import azure.functions as func

from shared import bootstrap
from shared.partner_center import routes as partner_center_routes
from shared.partner_center import triggers as partner_center_triggers
from shared.triggers import (
    background,
    http_meta,
    http_notifications,
    http_profile,
    http_referrals,
    http_ui,
)

# Every setting is read and checked here, before anything is registered: an invalid one
# (AUTH_MODE=locall, a private notification URL) stops the app at start, and the Functions
# host (or devhost) reports the SettingsError naming it, instead of a 500 on every request.
bootstrap.settings()

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_meta.bp)
app.register_functions(http_profile.bp)
app.register_functions(http_referrals.bp)
app.register_functions(http_notifications.bp)
app.register_functions(background.bp)
app.register_functions(http_ui.bp)
app.register_functions(partner_center_routes.bp)
app.register_functions(partner_center_triggers.bp)
