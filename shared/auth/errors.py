"""Why a caller was turned away. The HTTP edge maps these to 401, 403 and 503."""


class Unauthenticated(Exception):
    """No caller, or one we cannot read or trust."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KeysUnavailable(Exception):
    """The identity provider's signing keys cannot be fetched: the token may well be valid,
    so the caller is told to retry (503), not that it is unauthenticated."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDenied(Exception):
    """A known caller whose roles do not allow the operation."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
