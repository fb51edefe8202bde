"""What the Functions host will index: every route, method, schedule and queue name.

Guards against a deploy that silently finds 0 functions or a renamed route.
"""

import json

from tests.support.functions import functions

EXPECTED_HTTP = {
    ("GET", "health"), ("GET", "openapi.json"), ("PUT", "profile"), ("GET", "profile"),
    ("POST", "referrals"), ("GET", "referrals"), ("GET", "referrals/{id}"),
    ("PATCH", "referrals/{id}"), ("POST", "referrals/{id}/accept"),
    ("POST", "referrals/{id}/decline"), ("POST", "referrals/{id}/team"),
    ("POST", "referrals/{id}/win"), ("POST", "referrals/{id}/lose"),
    ("PUT", "referrals/{id}/favorite"), ("DELETE", "referrals/{id}/favorite"),
    ("DELETE", "referrals/{id}/team/{email}"), ("POST", "referrals/{id}/assign"),
    ("GET", "referrals/{id}/history"), ("GET", "notifications"),
    ("POST", "notifications/{notificationId}/redeliver"), ("POST", "profile/webhook/secret"),
    ("POST", "profile/webhook/test"),
    ("GET", "insights"), ("GET", "referrals/export"),
    ("GET", "ui"), ("GET", "ui/{file}"), ("GET", "ui/config"),
    ("POST", "partner-center/connect"), ("GET", "partner-center/callback"),
    ("GET", "partner-center/connection"), ("DELETE", "partner-center/connection"),
    ("POST", "partner-center/connection/webhook"), ("POST", "partner-center/sync"),
    ("POST", "partner-center/events/{connectionId}"),
    ("POST", "profile/marketplace-endpoint"), ("DELETE", "profile/marketplace-endpoint"),
    ("POST", "marketplace/leads/{key}"),
    ("GET", "privacy/people/{email}"), ("POST", "privacy/erasures"), ("GET", "privacy/erasures"),
}


def bindings():
    for f in functions():
        for raw in f.get_raw_bindings():
            yield f.get_function_name(), json.loads(raw)


def test_http_routes_and_methods():
    found = {(m, b["route"]) for _, b in bindings() if b["type"] == "httpTrigger"
             for m in b["methods"]}
    assert found == EXPECTED_HTTP
    assert all(b["authLevel"] == "ANONYMOUS" for _, b in bindings() if b["type"] == "httpTrigger")


def test_timer_and_queue_functions():
    triggers = {name: b for name, b in bindings() if b["type"] in ("timerTrigger", "queueTrigger")}
    assert set(triggers) == {"expire_referrals", "send_reminders", "redispatch_notifications",
                             "sweep_batch", "deliver_notification", "sync_partner_center",
                             "partner_center_work", "forget_personal_data"}
    assert triggers["expire_referrals"]["schedule"] == "%EXPIRY_SCHEDULE%"
    assert triggers["forget_personal_data"]["schedule"] == "%EXPIRY_SCHEDULE%"
    assert triggers["send_reminders"]["schedule"] == "%REMINDER_SCHEDULE%"
    assert triggers["redispatch_notifications"]["schedule"] == "0 */5 * * * *"
    assert triggers["sweep_batch"]["queueName"] == "sweep-batches"
    assert triggers["deliver_notification"]["queueName"] == "notifications"
    assert triggers["sync_partner_center"]["schedule"] == "%PARTNER_CENTER_SYNC_SCHEDULE%"
    assert triggers["partner_center_work"]["queueName"] == "partner-center-sync"
    for name in ("sweep_batch", "deliver_notification", "partner_center_work"):
        assert triggers[name]["connection"] == "AzureWebJobsStorage"


def test_openapi_documents_every_route():
    from shared.route_table import document

    documented = {(m.upper(), p.lstrip("/")) for p, ops in document()["paths"].items() for m in ops}
    assert documented == EXPECTED_HTTP
