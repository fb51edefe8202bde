"""The Azure Functions app: registers the blueprints, nothing else."""

import azure.functions as func

from shared.triggers import background, http_meta, http_profile, http_referrals, http_ui

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(http_meta.bp)
app.register_functions(http_profile.bp)
app.register_functions(http_referrals.bp)
app.register_functions(background.bp)
app.register_functions(http_ui.bp)
