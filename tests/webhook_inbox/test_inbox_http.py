"""The inbox over real HTTP on 127.0.0.1: a webhook sent by the app's own delivery signing is
received, shown with its headers, and verifies once the partner's secret is given (the form,
or a bare `curl -d`); the page escapes what senders send."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator

import pytest
import requests

from shared.notifications.signing import headers as signed_headers
from tools.webhook_inbox import InboxHandle, start_inbox
from tools.webhook_inbox.__main__ import known_secrets


@pytest.fixture
def inbox() -> Iterator[InboxHandle]:
    handle = start_inbox()
    yield handle
    handle.stop()


def _secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def _send(url: str, secret: str, event: dict[str, object]) -> requests.Response:
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/cloudevents+json",
               **signed_headers(secret, str(event["id"]), int(time.time()), body)}
    return requests.post(url, data=body, headers=headers, timeout=5)


def test_a_signed_webhook_shows_with_its_headers_and_verifies_once_the_secret_is_given(inbox):
    secret = _secret()
    event = {"id": "evt-1", "type": "referral.received", "subject": "ref-42", "data": {}}
    assert _send(inbox.url + "/partner", secret, event).status_code == 204
    page = requests.get(inbox.url, timeout=5).text
    assert "referral.received to /partner" in page and "ref-42" in page
    assert "webhook-signature" in page and "Not verified" in page and "no secret given" in page
    # The page's form, as a browser sends it; the answer leads back to the page.
    kept = requests.post(inbox.url + "/secret", data={"secret": secret},
                         headers={"Accept": "text/html"}, timeout=5)
    assert kept.status_code == 200 and "Verifying with the partner" in kept.text
    assert "Signature verifies" in kept.text
    [shown] = requests.get(inbox.url + "/deliveries", timeout=5).json()["value"]
    assert shown["verified"] and shown["path"] == "/partner"
    assert shown["headers"]["webhook-id"] == "evt-1"
    assert json.loads(shown["body"]) == event


def test_curl_gives_the_bare_secret_and_a_wrong_one_is_refused(inbox):
    secret = _secret()
    _send(inbox.url + "/microsoft", secret, {"id": "evt-2", "type": "referral.won"})
    bad = requests.post(inbox.url + "/secret", data=b"not-a-secret!", timeout=5)
    assert bad.status_code == 400 and "not kept" in bad.json()["error"]["message"]
    ok = requests.post(inbox.url + "/secret", data=secret.encode(), timeout=5,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert ok.status_code == 200 and ok.json()["verifyingWith"] == [
        f"the partner's secret ending …{secret[-6:]}"]
    [shown] = requests.get(inbox.url + "/deliveries", timeout=5).json()["value"]
    assert shown["verified"]


def test_a_delivery_with_another_secret_says_it_does_not_verify(inbox):
    inbox.inbox.add_secret(_secret(), "NOTIFICATION_SIGNING_SECRET")
    _send(inbox.url + "/customer", _secret(), {"id": "evt-3", "type": "referral.declined"})
    [shown] = requests.get(inbox.url + "/deliveries", timeout=5).json()["value"]
    assert not shown["verified"]
    assert shown["verification"] == "does not verify with NOTIFICATION_SIGNING_SECRET"


def test_the_page_escapes_what_a_sender_sends(inbox):
    requests.post(inbox.url + "/partner", timeout=5, data=b'{"type": "<script>alert(1)</script>"}',
                  headers={"X-Evil": "<img src=x onerror=alert(2)>"})
    page = requests.get(inbox.url, timeout=5).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_signing_secret_comes_from_the_environment_before_the_settings_file(
        tmp_path, monkeypatch):
    settings = tmp_path / "local.settings.json"
    settings.write_text(json.dumps({"Values": {"NOTIFICATION_SIGNING_SECRET": "whsec_ZmlsZQ=="}}))
    monkeypatch.delenv("NOTIFICATION_SIGNING_SECRET", raising=False)
    assert known_secrets(settings, []) == {"NOTIFICATION_SIGNING_SECRET": "whsec_ZmlsZQ=="}
    monkeypatch.setenv("NOTIFICATION_SIGNING_SECRET", "whsec_ZW52")
    assert known_secrets(settings, []) == {"NOTIFICATION_SIGNING_SECRET": "whsec_ZW52"}
