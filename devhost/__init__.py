"""devhost: a small local stand-in for Azure Functions Core Tools (`func start`).

Serves the same `function_app.py` the way the Functions host does: HTTP routes, timers on
their NCRONTAB schedules, queue triggers polled from Azure Storage (Azurite locally), and the
admin endpoint that runs a non-HTTP function on demand. See devhost/README.md.
"""


class DevhostError(Exception):
    """A setup problem that stops devhost from starting; the message is shown as is."""
