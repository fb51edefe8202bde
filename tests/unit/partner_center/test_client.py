"""The Referrals API client (shared/partner_center/client.py) against `responses`: the one
OData query, paging only on the configured origin, eTags, JSON Patch, and fault mapping."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests
import responses

from shared.partner_center.api import errors
from shared.partner_center.api.client import ReferralsClient

API = "https://api.partner.microsoft.com/v1.0/engagements"
RID = "4111fffc-f9ee-4d53-bba6-569135228642"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FIRST = (f"{API}/referrals?$filter=direction%20eq%20'Incoming'%20and%20updatedDateTime%20gt%20"
         "2026-10-01T08:55:00Z&$orderby=updatedDateTime%20asc&$top=100")


class Limiter:
    def __init__(self):
        self.calls = []

    def acquire(self, partner_id):
        self.calls.append(partner_id)


def _client(base=API, **kwargs):
    kwargs.setdefault("sleep", kwargs.pop("sleeps", []).append)
    return ReferralsClient(base, lambda: "access-1", partner_id="contoso",
                           clock=lambda: NOW, **kwargs)


@responses.activate
def test_the_first_request_is_exactly_the_contracts_query_with_the_bearer_token():
    responses.get(FIRST, json={"value": [{"id": RID}]})
    pages = list(_client().list_changed(datetime(2026, 10, 1, 8, 55, 0, 123, tzinfo=UTC)))
    assert pages == [[{"id": RID}]]
    request = responses.calls[0].request
    assert request.url == FIRST
    assert request.headers["Authorization"] == "Bearer access-1"
    assert request.headers["MS-CorrelationId"] and request.headers["MS-RequestId"]


@responses.activate
def test_paging_follows_next_links_on_the_api_origin_to_the_end():
    second = f"{API}/referrals?$skiptoken=abc%2Fdef"
    # Partner Center's own sample nextLink is plain http on the API host: taken over https.
    third_as_sent = "http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=xyz"
    responses.get(FIRST, json={"value": [{"id": "1"}], "@odata.nextLink": second})
    responses.get(second, json={"value": [{"id": "2"}], "@odata.nextLink": third_as_sent})
    responses.get("https://api.partner.microsoft.com/v1.0/referrals?$skiptoken=xyz",
                  json={"value": [{"id": "3"}]})
    limiter = Limiter()
    pages = list(_client(limiter=limiter).list_changed(datetime(2026, 10, 1, 8, 55, tzinfo=UTC)))
    assert [p[0]["id"] for p in pages] == ["1", "2", "3"]
    assert all(c.request.url.startswith("https://") for c in responses.calls)
    assert limiter.calls == ["contoso"] * 3
    assert len({c.request.headers["MS-CorrelationId"] for c in responses.calls}) == 1


@responses.activate
@pytest.mark.parametrize("link", [
    "https://evil.example/v1.0/referrals?$skiptoken=1",
    "https://api.partner.microsoft.com.evil.example/x",
    "https://user@api.partner.microsoft.com/v1.0/referrals",
    "https://api.partner.microsoft.com:8443/v1.0/referrals",
    "file:///etc/passwd",
    "https://api.partner.microsoft.com\\@evil.example/",
])
def test_a_foreign_next_link_is_refused_and_never_fetched(link):
    responses.get(FIRST, json={"value": [{"id": "1"}], "@odata.nextLink": link})
    pages = _client().list_changed(datetime(2026, 10, 1, 8, 55, tzinfo=UTC))
    assert next(pages) == [{"id": "1"}]
    with pytest.raises(errors.UnsafeUrl):
        next(pages)
    assert len(responses.calls) == 1


@responses.activate
def test_get_returns_the_referral_and_its_etag():
    responses.get(f"{API}/referrals/{RID}", json={"id": RID, "eTag": '"e-1"'})
    assert _client().get(RID.upper()) == ({"id": RID, "eTag": '"e-1"'}, '"e-1"')
    with pytest.raises(ValueError):
        _client().get("../other")


@responses.activate
def test_patch_sends_json_patch_with_if_match_and_asks_for_the_representation():
    responses.patch(f"{API}/referrals/{RID}", json={"id": RID, "status": "Active"})
    ops = [{"op": "replace", "path": "/status", "value": "Active"}]
    assert _client().patch(RID, ops, '"e-1"') == {"id": RID, "status": "Active"}
    request = responses.calls[0].request
    assert request.headers["Content-Type"] == "application/json-patch+json"
    assert request.headers["If-Match"] == '"e-1"'
    assert request.headers["Prefer"] == "return=representation"
    assert json.loads(request.body) == ops


@responses.activate
def test_412_is_a_stale_etag():
    responses.patch(f"{API}/referrals/{RID}", status=412)
    with pytest.raises(errors.StaleETag):
        _client().patch(RID, [], '"old"')


@responses.activate
@pytest.mark.parametrize(("status", "header", "wait"), [
    (429, "120", timedelta(seconds=120)),
    (503, "Mon, 02 Nov 2026 09:10:00 GMT", timedelta(minutes=10)),
    (500, None, None),
])
def test_429_and_5xx_are_retryable_with_their_retry_after(status, header, wait):
    headers = {"Retry-After": header} if header else {}
    responses.get(f"{API}/referrals/{RID}", status=status, headers=headers)
    with pytest.raises(errors.RetryableApiError) as caught:
        _client().get(RID)
    assert (caught.value.status, caught.value.retry_after) == (status, wait)
    assert len(responses.calls) == 1


@responses.activate
def test_one_429_with_a_short_retry_after_is_waited_out_once():
    url = f"{API}/referrals/{RID}"
    responses.get(url, status=429, headers={"Retry-After": "2"})
    responses.get(url, json={"id": RID, "eTag": "e"})
    sleeps = []
    assert _client(sleeps=sleeps).get(RID)[1] == "e"
    assert sleeps == [2.0]
    responses.get(url, status=429, headers={"Retry-After": "1"})
    responses.get(url, status=429, headers={"Retry-After": "1"})
    with pytest.raises(errors.RetryableApiError):
        _client().get(RID)


@responses.activate
@pytest.mark.parametrize(("answer", "error"), [
    ({"body": requests.ConnectionError("reset")}, errors.RetryableApiError),
    ({"body": requests.Timeout("slow")}, errors.RetryableApiError),
    ({"status": 401}, errors.AccessDenied),
    ({"status": 403}, errors.AccessDenied),
    ({"status": 404}, errors.ReferralNotFound),
    ({"status": 400, "json": {"code": "InvalidPatch"}}, errors.RequestRejected),
    ({"status": 302, "headers": {"Location": "https://evil.example/"}}, errors.RequestRejected),
    ({"status": 200, "body": "<html>"}, errors.RetryableApiError),
])
def test_other_answers_have_their_named_errors(answer, error):
    responses.get(f"{API}/referrals/{RID}", **answer)
    with pytest.raises(error) as caught:
        _client().get(RID)
    assert "access-1" not in str(caught.value)
    assert len(responses.calls) == 1


def test_only_https_bases_except_loopback_http_in_local_mode():
    with pytest.raises(ValueError):
        _client("http://api.partner.microsoft.com/v1.0/engagements")
    with pytest.raises(ValueError):
        _client("http://127.0.0.1:7072/v1.0/engagements")
    _client("http://127.0.0.1:7072/v1.0/engagements", allow_loopback_http=True)
