"""The ACS e-mail transport against `responses` standing in for Azure Communication Services:
an accepted send polled to Succeeded, a failed operation, 429 with Retry-After, 401 and 5xx."""

import json
import time
from datetime import UTC, datetime

import pytest
import requests
import responses
from azure.core.credentials import AccessToken

from shared.notifications.acs_mail import AcsMailer
from shared.notifications.email_message import Mail
from shared.notifications.mail import MailError

ENDPOINT = "https://referrals-acs.europe.communication.azure.com"
SEND = f"{ENDPOINT}/emails:send"
OPERATION = f"{ENDPOINT}/emails/operations/op-1"
MAIL = Mail(sender="DoNotReply@example.azurecomm.net", to="ada@contoso.example",
            subject="New referral: Fabrikam", text="text part", html="<p>html part</p>",
            message_id="<e1.abc@referrals>", date=datetime(2026, 11, 2, tzinfo=UTC))


class FakeCredential:
    """The managed identity's token, without an identity endpoint."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **_: object) -> AccessToken:
        self.scopes += scopes
        return AccessToken("token-123", int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, **_: object):  # azure-core >= 1.31 prefers this
        from azure.core.credentials import AccessTokenInfo

        self.scopes += scopes
        return AccessTokenInfo("token-123", int(time.time()) + 3600)


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture
def mailer(credential) -> AcsMailer:
    return AcsMailer(ENDPOINT, credential, polling_interval=0, poll_timeout=5)


def accepted() -> None:
    responses.post(SEND, status=202, json={"id": "op-1", "status": "Running"},
                   headers={"Operation-Location": f"{OPERATION}?api-version=2025-09-01",
                            "Retry-After": "0"})


@responses.activate
def test_accepted_send_is_polled_until_succeeded(mailer, credential):
    accepted()
    responses.get(OPERATION, json={"id": "op-1", "status": "Running"},
                  headers={"Retry-After": "0"})
    responses.get(OPERATION, json={"id": "op-1", "status": "Succeeded"})
    mailer.send(MAIL)
    send = responses.calls[0].request
    assert send.headers["Authorization"] == "Bearer token-123"
    assert credential.scopes == ["https://communication.azure.com//.default"]
    body = json.loads(send.body)
    assert body["recipients"] == {"to": [{"address": "ada@contoso.example"}]}
    assert body["content"] == {"subject": "New referral: Fabrikam", "plainText": "text part",
                               "html": "<p>html part</p>"}
    assert body["headers"]["Message-ID"] == "<e1.abc@referrals>"
    assert body["senderAddress"] == MAIL.sender
    polls = [c for c in responses.calls if c.request.method == "GET"]
    assert len(polls) == 2


@responses.activate
def test_failed_operation_is_permanent(mailer):
    accepted()
    responses.get(OPERATION, json={"id": "op-1", "status": "Failed", "error": {
        "code": "InvalidRecipient", "message": "The recipient domain does not exist"}})
    with pytest.raises(MailError) as err:
        mailer.send(MAIL)
    assert not err.value.retry and "permanent" in str(err.value)


@responses.activate
def test_429_is_retried_by_the_queue_and_notes_retry_after(mailer):
    responses.post(SEND, status=429, headers={"Retry-After": "30"},
                   json={"error": {"code": "TooManyRequests", "message": "slow down"}})
    with pytest.raises(MailError) as err:
        mailer.send(MAIL)
    assert err.value.retry and "429" in str(err.value) and "Retry-After 30" in str(err.value)
    assert len(responses.calls) == 1  # no hidden SDK retries: the delivery row counts each


@responses.activate
def test_401_is_permanent(mailer):
    responses.post(SEND, status=401, json={"error": {"code": "Unauthorized",
                                                     "message": "no role"}})
    with pytest.raises(MailError) as err:
        mailer.send(MAIL)
    assert not err.value.retry and "401" in str(err.value)


@responses.activate
def test_503_and_network_errors_are_retryable(mailer):
    responses.post(SEND, status=503, json={"error": {"code": "ServiceUnavailable",
                                                     "message": "later"}})
    with pytest.raises(MailError) as err:
        mailer.send(MAIL)
    assert err.value.retry
    responses.replace(responses.POST, SEND, body=requests.ConnectionError("reset"))
    with pytest.raises(MailError) as err:
        mailer.send(MAIL)
    assert err.value.retry
