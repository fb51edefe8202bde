"""The listing's query parameters and the CSV export over HTTP functions (in-memory store)."""

from __future__ import annotations

import csv
import io
import json

import azure.functions as func
import pytest

from shared.services import export as export_service
from tests.support.factories import ADMIN, INTAKE, accept_body, headers, intake_body, profile_body
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"


class Api:
    def __init__(self) -> None:
        self.app = MemoryApp()
        self.runtime = self.app.runtime()
        self.admin = headers("t1", ADMIN)

    def call(self, name: str, method: str = "GET", path: str = "/referrals", *,
             params: dict | None = None, body: dict | None = None, route: dict | None = None,
             hdrs: dict | None = None) -> func.HttpResponse:
        req = func.HttpRequest(method, BASE + path, headers=hdrs or self.admin,
                               params=params or {}, route_params=route or {},
                               body=json.dumps(body).encode() if body is not None else b"")
        return call_route(name, req, self.runtime)

    def new(self, customer: str, qualification: str = "Direct", country: str = "NL") -> str:
        body = intake_body("t1", qualification)
        body["customerProfile"]["name"] = customer
        body["customerProfile"]["address"]["country"] = country
        self.app.clock.advance(minutes=1)
        resp = self.call("create_referral", "POST", body=body, hdrs=headers("x", INTAKE))
        assert resp.status_code == 201, resp.get_body()
        return json.loads(resp.get_body())["id"]

    def ids(self, **params: str) -> list[str]:
        resp = self.call("list_referrals", params=params)
        assert resp.status_code == 200, resp.get_body()
        return [r["id"] for r in json.loads(resp.get_body())["value"]]


@pytest.fixture
def api() -> Api:
    a = Api()
    a.call("put_profile", "PUT", "/profile", body=profile_body())
    return a


def test_search_by_word_prefix_case_and_accents(api: Api):
    fab = api.new("Fabrikam Cloud")
    strasse = api.new("Müller Straße GmbH")
    api.new("Contoso")
    assert api.ids(search="fab") == [fab]
    assert api.ids(search="FÄB") == [fab]
    assert api.ids(search="cloud") == [fab]
    assert api.ids(search="mull") == [strasse] and api.ids(search="strasse") == [strasse]
    assert api.ids(search="abrikam") == []  # a word must start with it
    assert api.ids(search=fab) == [fab]  # an id finds its referral


def test_search_finds_deal_names_and_external_ids(api: Api):
    rid = api.new("Northwind")
    resp = api.call("accept_referral", "POST", f"/referrals/{rid}/accept", body={
        **accept_body(), "name": "Data estate", "externalReferenceId": "CRM-0042"},
        route={"id": rid})
    assert resp.status_code == 200
    assert api.ids(search="estate") == [rid]
    assert api.ids(search="crm-0042") == [rid]
    assert api.ids(search="CRM-004") == []  # external ids match whole, not by prefix


def test_filters_combine(api: Api):
    nl = api.new("Adatum", "SalesQualified", "NL")
    api.new("Adatum", "Direct", "NL")
    de = api.new("Adatum", "SalesQualified", "DE")
    assert api.ids(qualification="SalesQualified") == [de, nl]
    assert api.ids(qualification="SalesQualified", country="NL") == [nl]
    assert api.ids(view="marketplace", qualification="SalesQualified") == []
    assert api.ids(search="adatum", country="DE") == [de]
    assert api.ids(orderBy="createdDateTime asc", view="qualified") == [nl, de]
    today = api.app.clock.now.date().isoformat()
    assert len(api.ids(createdFrom=today, createdTo=today)) == 3
    assert api.ids(createdTo="2001-01-01") == []


@pytest.mark.parametrize(("params", "targets"), [
    ({"bogus": "1"}, {"bogus"}),
    ({"view": ""}, {"view"}),
    ({"bogus": "1", "top": "0", "stage": "won"}, {"bogus", "top", "stage"}),
    ({"orderBy": "name"}, {"orderBy"}),
    ({"orderBy": "dealValue desc", "stage": "received"}, {"orderBy"}),
    ({"orderBy": "createdDateTime asc", "search": "fab"}, {"orderBy"}),
    ({"createdFrom": "2026-13-01"}, {"createdFrom"}),
    ({"createdFrom": "20261101"}, {"createdFrom"}),
    ({"createdFrom": "2026-11-02", "createdTo": "2026-11-01"}, {"createdTo"}),
    ({"country": "nl"}, {"country"}),
    ({"search": " "}, {"search"}),
    ({"search": "x" * 101}, {"search"}),
])
def test_bad_or_unknown_parameters_are_400_naming_each(api: Api, params, targets):
    resp = api.call("list_referrals", params=params)
    body = json.loads(resp.get_body())
    assert resp.status_code == 400 and body["error"]["code"] == "invalidRequest"
    assert {d["target"] for d in body["error"]["details"]} == targets


def test_the_host_key_parameter_is_allowed(api: Api):
    api.new("Fabrikam")
    assert len(api.ids(code="functions-host-key")) == 1


def test_next_link_keeps_the_filters(api: Api):
    for _ in range(3):
        api.new("Fabrikam")
    resp = api.call("list_referrals", params={"search": "fab", "top": "2", "country": "NL"})
    link = json.loads(resp.get_body())["nextLink"]
    assert "search=fab" in link and "country=NL" in link and "top=2" in link


def _csv(resp: func.HttpResponse) -> list[dict[str, str]]:
    assert resp.status_code == 200, resp.get_body()
    assert resp.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(resp.get_body().decode("utf-8"))))


def test_export_has_the_contract_columns_and_guards_formulas(api: Api):
    evil = api.new("=HYPERLINK(\"http://x\")")
    plain = api.new("Contoso")
    resp = api.call("export_referrals", path="/referrals/export")
    assert resp.headers["Content-Disposition"].startswith("attachment")
    header = resp.get_body().decode().splitlines()[0].split(",")
    assert header == [
        "id", "qualification", "stage", "status", "substatus", "statusReason", "customerName",
        "customerCountry", "customerSize", "contactName", "contactEmail", "contactPhone",
        "dealName", "dealValue", "currency", "closingDate", "owner", "externalReferenceId",
        "campaignId", "favorite", "createdDateTime", "expirationDateTime", "acceptedDateTime",
        "closedDateTime"]
    rows = _csv(resp)
    assert [r["id"] for r in rows] == [plain, evil]
    assert rows[1]["customerName"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["customerName"] == "Contoso" and rows[0]["stage"] == "received"
    assert rows[0]["contactEmail"] == "bo@fabrikam.example" and rows[0]["favorite"] == "false"


def test_export_takes_the_filters_not_paging(api: Api):
    nl = api.new("Adatum", country="NL")
    api.new("Adatum", country="DE")
    assert [r["id"] for r in _csv(api.call("export_referrals", path="/referrals/export",
                                           params={"country": "NL"}))] == [nl]
    resp = api.call("export_referrals", path="/referrals/export", params={"top": "5"})
    assert resp.status_code == 400
    assert json.loads(resp.get_body())["error"]["details"][0]["target"] == "top"


def test_export_over_the_cap_is_400(api: Api, monkeypatch):
    monkeypatch.setattr(export_service, "EXPORT_CAP", 2)
    for _ in range(3):
        api.new("Fabrikam")
    resp = api.call("export_referrals", path="/referrals/export")
    body = json.loads(resp.get_body())
    assert resp.status_code == 400 and "narrow" in body["error"]["message"]
    monkeypatch.setattr(export_service, "EXPORT_CAP", 3)
    assert len(_csv(api.call("export_referrals", path="/referrals/export"))) == 3
