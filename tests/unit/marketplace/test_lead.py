"""Reading the marketplace's lead body: its documented examples, both property-name styles,
missing and unknown fields, and what is refused (every bad field named)."""

from __future__ import annotations

import json

import pytest

from shared.marketplace.lead import LeadRefused, parse, parse_lead_source

from .documented import (
    CAMEL_CASE_LEAD,
    HTTPS_SAMPLE,
    LEAD_SOURCES,
    TEST_LEAD,
    TEST_LEAD_AS_PRINTED,
)


def test_the_https_articles_sample_in_pascal_case():
    lead = parse(HTTPS_SAMPLE)
    assert (lead.user.first_name, lead.user.last_name, lead.user.email) == (
        "Some", "One", "someone@contoso.com")
    assert (lead.user.phone, lead.user.country, lead.user.company, lead.user.title) == (
        "16175555555", "USA", "Contoso", "Esquire")
    assert (lead.lead_source, lead.action_code, lead.offer_title, lead.description) == (
        "AzureMarketplace", "INS", "Test Microsoft", "Test run through Power Automate")
    assert not lead.is_test


def test_camel_case_names_at_every_level_read_the_same():
    lead = parse(CAMEL_CASE_LEAD)
    assert (lead.user.first_name, lead.user.company, lead.user.title) == (
        "John", "Microsoft", "CTO")
    assert lead.origin().model_dump() == {
        "lead_source": "SPZA-PLT|checkpoint.check-point-r77-10sg-byol", "source": "SPZA",
        "action": "PLT", "offer_id": "checkpoint.check-point-r77-10sg-byol",
        "offer_title": "Check Point CloudGuard"}


def test_any_case_mix_is_the_same_lead():
    shouted = HTTPS_SAMPLE.replace(b'"UserDetails"', b'"USERDETAILS"').replace(
        b'"FirstName"', b'"firstname"').replace(b'"OfferTitle"', b'"offerTITLE"')
    assert parse(shouted) == parse(HTTPS_SAMPLE)


def test_the_documented_test_lead_is_a_test_lead():
    assert parse(TEST_LEAD).is_test


def test_the_test_lead_as_printed_is_not_json():
    with pytest.raises(LeadRefused, match="not valid JSON"):
        parse(TEST_LEAD_AS_PRINTED)


@pytest.mark.parametrize("field", ["FirstName", "Email", "Description"])
def test_msft_test_in_any_one_marked_field_makes_a_test_lead(field):
    body = {"UserDetails": {"FirstName": "Ada", "Email": "ada@contoso.com"},
            "Description": "Interested"}
    target = body if field == "Description" else body["UserDetails"]
    target[field] = "MSFT_TEST_1@test.com" if field == "Email" else "MSFT_TEST_1"
    assert parse(json.dumps(body).encode()).is_test


def test_msft_test_elsewhere_is_a_real_lead():
    body = {"UserDetails": {"FirstName": "Ada", "Company": "MSFT_TEST_1"}}
    assert not parse(json.dumps(body).encode()).is_test


@pytest.mark.parametrize(("raw", "parts"), LEAD_SOURCES)
def test_every_documented_lead_source_form(raw, parts):
    parsed = parse_lead_source(raw)
    assert (parsed.source, parsed.action, parsed.offer_id) == parts
    assert parsed.lead_source == raw


@pytest.mark.parametrize("raw", ["Contoso web form - spring", "SPZA-PLT|", "-PLT|x.y",
                                 "SPZA-|x.y", "SPZA-PLT|a|b", "SPZA-PLT-INS|x.y", " SPZA"])
def test_an_unparseable_lead_source_is_kept_raw(raw):
    parsed = parse_lead_source(raw)
    assert parsed.lead_source == raw
    assert (parsed.source, parsed.action, parsed.offer_id) == (None, None, None)


def test_the_action_comes_from_action_code_when_lead_source_has_none():
    lead = parse(HTTPS_SAMPLE)  # "LeadSource": "AzureMarketplace", "ActionCode": "INS"
    assert (lead.origin().source, lead.origin().action) == ("AzureMarketplace", "INS")
    assert lead.origin().offer_title == "Test Microsoft"


@pytest.mark.parametrize("body", [b"{}", b'{"UserDetails": null}', b'{"UserDetails": {}}',
                                  b'{"UserDetails": {"FirstName": "", "Email": "  "},'
                                  b' "LeadSource": "", "Description": null}'])
def test_every_field_may_be_missing_null_or_empty(body):
    lead = parse(body)
    assert lead.user.first_name is None and lead.user.email is None
    assert lead.lead_source is None and lead.description is None
    assert not lead.is_test


def test_unknown_properties_are_ignored_at_every_level():
    body = json.loads(HTTPS_SAMPLE)
    body["CustomerInfo"] = {"nested": [1, 2]}
    body["UserDetails"]["LinkedIn"] = {"url": "x"}
    body["Score"] = 7
    assert parse(json.dumps(body).encode()) == parse(HTTPS_SAMPLE)


def test_a_filled_duplicate_spelling_wins_over_an_empty_one():
    lead = parse(b'{"email": "", "UserDetails": {"Email": "", "email": "a@b.example"}}')
    assert lead.user.email == "a@b.example"


@pytest.mark.parametrize("body", [b"[]", b'"lead"', b"42", b"null", b"", b"{", b"\xff\xfe{",
                                  b"<lead/>", b"[" * 100_000])
def test_anything_but_a_json_object_is_refused(body):
    with pytest.raises(LeadRefused):
        parse(body)


def test_wrong_types_are_refused_with_every_bad_field_named():
    body = {"UserDetails": {"FirstName": 1, "Email": ["a@b.example"], "LastName": "Ok"},
            "leadSource": {"x": 1}, "ActionCode": True, "Description": "fine"}
    with pytest.raises(LeadRefused) as refused:
        parse(json.dumps(body).encode())
    fields = {p.field for p in refused.value.problems}
    # Named the one way whatever case they came in (the envelope writes them in camelCase).
    assert fields == {"user_details.first_name", "user_details.email", "lead_source",
                      "action_code"}
    assert all(p.code == "invalidValue" for p in refused.value.problems)


def test_user_details_that_is_not_an_object_is_refused():
    with pytest.raises(LeadRefused) as refused:
        parse(b'{"userDetails": "John Smith", "OfferTitle": 3}')
    assert {p.field for p in refused.value.problems} == {"user_details", "offer_title"}


def test_utf16_json_is_json():
    lead = parse(HTTPS_SAMPLE.decode().encode("utf-16"))
    assert lead.user.company == "Contoso"
