"""What an admin sees when connecting cannot start: the contract's 409
``partnerCenterNotConfigured`` without the app's Partner Center settings, and a 503 (try
again) when Microsoft's sign-in cannot be prepared; never a 500."""

from __future__ import annotations

from typing import Any, cast

import pytest

from shared.domain.errors import PartnerCenterNotConfigured, PartnerCenterUnavailable
from shared.domain.history import Actor
from shared.http.errors import error_response_parts
from shared.partner_center import connect
from shared.partner_center.api.errors import TokenRefused
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


class RefusingAuth:
    def authorization_request(self, tenant_id: str, state: str) -> None:
        raise TokenRefused("invalid_tenant", "the authority does not know it")


def test_a_sign_in_that_cannot_be_prepared_is_a_503_not_a_500() -> None:
    rt = runtime(RefusingAuth())
    rt.ctx.settings = rt.ctx.settings.__class__(
        **{**rt.ctx.settings.__dict__, "webhook_secrets_key": b"k" * 32})
    with pytest.raises(PartnerCenterUnavailable) as caught:
        connect.start(rt, "tenant-a", ADMIN)
    status, body = error_response_parts(caught.value)
    assert (status, body["error"]["code"]) == (503, "serviceUnavailable")
