"""devhost: a small local stand-in for Azure Functions Core Tools (`func start`).

Serves the same `function_app.py` the way the Functions host does: HTTP routes, timers on
their NCRONTAB schedules, queue triggers polled from Azure Storage (Azurite locally), and the
admin endpoint that runs a non-HTTP function on demand. See devhost/README.md.
"""


class DevhostError(Exception):
    """A setup problem that stops devhost from starting; the message is shown as is.

    `show_cause` asks for the underlying exception's traceback too, for errors raised by the
    app's own code (an import that fails), where the message alone would not say where.
    """

    def __init__(self, message: str, *, show_cause: bool = False) -> None:
        super().__init__(message)
        self.show_cause = show_cause
