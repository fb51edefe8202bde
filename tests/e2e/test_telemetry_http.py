"""Telemetry end to end: devhost (the app as the Functions host runs it) with
OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/http receiver in this process.

This module has its own Azurite: every devhost of the session consumes the session's
`notifications` queue, and the delivery must be done by the devhost under test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.azurite import start_azurite
from tests.support.client import onboard, send_referral
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import accept_body, new_tenant
from tests.support.hosting import host_env
from tests.support.otlp import OtlpReceiver, ReceivedSpan
from tests.support.webhooks import WebhookReceiver

pytestmark = pytest.mark.e2e

# Personal data of the intake and accept bodies (tests/support/factories.py): none of it may
# leave in telemetry.
PERSONAL = [b"Fabrikam", b"bo@fabrikam.example", b"Jansen", b"+31 30 555 0199",
            b"grace@contoso.example", b"Hopper", b"Wants to move 40 VMs", b"Utrecht"]


@pytest.fixture(scope="module")
def otlp() -> Iterator[OtlpReceiver]:
    receiver = OtlpReceiver()
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def traced_host(otlp: OtlpReceiver, webhooks: WebhookReceiver, log_dir: Path
                ) -> Iterator[DevHost]:
    azurite = start_azurite()
    env = host_env(azurite, webhooks, OTEL_EXPORTER_OTLP_ENDPOINT=otlp.endpoint,
                   OTEL_BSP_SCHEDULE_DELAY="100", OTEL_METRIC_EXPORT_INTERVAL="500")
    host = start_devhost(env, log_dir)
    try:
        yield host
    finally:
        host.stop()
        azurite.stop()


def chain(spans: list[ReceivedSpan], leaf: ReceivedSpan) -> list[ReceivedSpan]:
    """``leaf`` and its ancestors among ``spans``, leaf first."""
    by_id = {s.span_id: s for s in spans}
    found = [leaf]
    while found[-1].parent_span_id in by_id:
        found.append(by_id[found[-1].parent_span_id])
    return found


def test_one_trace_from_the_accept_request_to_its_webhook(traced_host, otlp, webhooks):
    tenant = new_tenant()
    path = f"/partner/{tenant}"
    api = onboard(traced_host.base, tenant, webhook=webhooks.url(path))
    webhooks.trust(path, api.post("/profile/webhook/secret").json()["secret"])
    rid = send_referral(traced_host.base, tenant)["id"]
    assert api.post(f"/referrals/{rid}/accept", accept_body()).status_code == 200
    webhooks.wait_for(path, "referral.accepted", referral_id=rid)

    def delivered() -> list[ReceivedSpan]:
        return [s for s in otlp.spans() if s.name == "deliver partner"
                and s.attributes.get("event.type") == "referral.accepted"
                and s.attributes.get("referral.id") == rid]

    [delivery] = otlp.wait_for(delivered)
    assert delivery.attributes["delivery.result"] == "delivered"
    assert delivery.attributes["partner.id"] == tenant
    assert delivery.attributes["server.address"] == "127.0.0.1"  # the host, not the path
    # A parent ends (and is exported) after its children: wait for the whole chain.
    otlp.wait_for(lambda: len(chain(otlp.spans(), delivery)) >= 3)
    spans = otlp.spans()
    names = [s.name for s in chain(spans, delivery)]
    assert names == ["deliver partner", "process notifications",
                     "POST /api/referrals/{id}/accept"], names
    request = chain(spans, delivery)[-1]
    assert {s.trace_id for s in chain(spans, delivery)} == {request.trace_id}
    assert request.attributes["referral.id"] == rid
    assert request.attributes["partner.id"] == tenant
    assert request.attributes["http.response.status_code"] == 200
    queue = chain(spans, delivery)[1]
    assert queue.attributes["faas.name"] == "deliver_notification"


def test_metrics_arrive_and_no_personal_data_leaves(traced_host, otlp, webhooks):
    tenant = new_tenant()
    api = onboard(traced_host.base, tenant, webhook=webhooks.url(f"/partner/{tenant}"))
    rid = send_referral(traced_host.base, tenant)["id"]
    assert api.post(f"/referrals/{rid}/decline", {"reason": "NotAFit"}).status_code == 200
    received = otlp.wait_for(lambda: otlp.metric_points("referrals.received"))
    assert received and max(value for _, value in received) >= 1
    declined = otlp.wait_for(lambda: [p for p in otlp.metric_points("referrals.answered")
                                      if p[0] == {"outcome": "declined"}])
    assert declined
    deliveries = otlp.wait_for(lambda: [p for p in otlp.metric_points("referrals.deliveries")
                                        if p[0].get("destination") == "customer"])
    assert {"destination", "result"} == set(deliveries[0][0])
    exported = b"".join(otlp.raw)
    leaked = [item for item in PERSONAL if item in exported]
    assert not leaked, leaked
    # No URL with a path: webhook receivers are named by host only.
    assert not re.search(rb"https?://[^/\s\"]+/\w", exported)
