"""What an admin sees when connecting cannot start: the contract's 409
``partnerCenterNotConfigured`` without the app's Partner Center settings, a 409 when
Microsoft's sign-in knows no such organisation, and a 503 (try again) when it cannot be
reached; never a 500."""

from __future__ import annotations

from typing import Any, cast

import pytest

from shared.domain.errors import (
    PartnerCenterNotConfigured,
    PartnerCenterRefused,
    PartnerCenterUnavailable,
)
from shared.domain.history import Actor
from shared.http.errors import error_response_parts
from shared.partner_center import connect
from shared.partner_center.api.errors import TokenRefused, TokenServiceUnavailable
from shared.partner_center.runtime import PartnerCenterRuntime
from tests.support.memory_app import MemoryApp

ADMIN = Actor(id="admin-1", name="Ada")


def runtime(auth: Any) -> PartnerCenterRuntime:
    app = MemoryApp()
    nothing = cast(Any, None)  # storage is never reached on these paths
    return PartnerCenterRuntime(ctx=app.ctx, store=nothing, work=nothing, limiter=nothing,
                                session=nothing, auth=auth)


def test_without_partner_center_settings_connecting_is_409_not_configured() -> None:
    with pytest.raises(PartnerCenterNotConfigured) as caught:
        connect.start(runtime(None), "tenant-a", ADMIN)
    status, body = error_response_parts(caught.value)
    assert (status, body["error"]["code"]) == (409, "partnerCenterNotConfigured")


class FailingAuth:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def authorization_request(self, tenant_id: str, state: str) -> None:
        raise self.error


@pytest.mark.parametrize(("error", "status", "code"), [
    (TokenRefused("invalid_tenant", "unknown"), 409, "partnerCenterRefused"),
    (TokenServiceUnavailable("temporarily_unavailable"), 503, "serviceUnavailable"),
])
def test_a_sign_in_that_cannot_be_prepared_is_named_never_a_500(
        error: Exception, status: int, code: str) -> None:
    rt = runtime(FailingAuth(error))
    rt.ctx.settings = rt.ctx.settings.__class__(
        **{**rt.ctx.settings.__dict__, "webhook_secrets_key": b"k" * 32})
    with pytest.raises((PartnerCenterRefused, PartnerCenterUnavailable)) as caught:
        connect.start(rt, "tenant-a", ADMIN)
    assert error_response_parts(caught.value)[0] == status
    assert error_response_parts(caught.value)[1]["error"]["code"] == code
