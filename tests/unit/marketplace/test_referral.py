"""A lead as the referral intake takes it: who the customer is, the contact, the notes, the
marketplace origin, "Contact me" and "do not contact", and nothing lost to a strict field."""

from __future__ import annotations

import json

from shared.domain.enums import Qualification
from shared.marketplace.lead import parse
from shared.marketplace.referral import NO_NAME, to_intake

from .documented import CAMEL_CASE_LEAD, HTTPS_SAMPLE


def _intake(body: dict | bytes):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return to_intake(parse(raw), "contoso")


def test_a_direct_referral_from_microsoft_with_the_marketplace_origin():
    got = _intake(CAMEL_CASE_LEAD)
    req = got.request
    assert req.partner_id == "contoso" and req.qualification is Qualification.DIRECT
    assert req.invited_by.organization_id == "msft"
    assert req.customer_profile.name == "Microsoft"
    assert req.customer_profile.address and req.customer_profile.address.country == "US"
    (contact,) = req.customer_profile.contacts
    assert (contact.first_name, contact.last_name, contact.email, contact.phone_number,
            contact.title) == ("John", "Smith", "jsmith@microsoft.com", "1234567890", "CTO")
    assert req.details.notes == "Please contact me about a trial."
    assert req.details.requirements.products == ["Check Point CloudGuard"]
    assert (got.origin.source, got.origin.action, got.origin.offer_id) == (
        "SPZA", "PLT", "checkpoint.check-point-r77-10sg-byol")


def test_plt_is_contact_me_and_dnc_is_do_not_contact():
    plt = _intake({"LeadSource": "SPZA-PLT|a.b"})
    dnc = _intake({"LeadSource": "SPZA-DNC|a.b"})
    ins = _intake({"LeadSource": "AzureMarketplace", "ActionCode": "ins"})
    assert plt.request.details.customer_requested_contact and not plt.do_not_contact
    assert dnc.do_not_contact and not dnc.request.details.customer_requested_contact
    assert not ins.do_not_contact and not ins.request.details.customer_requested_contact
    assert _intake({"ActionCode": "dnc"}).do_not_contact  # action code in any case


def test_customer_name_is_the_company_else_the_person_else_marketplace_lead():
    assert _intake({"UserDetails": {"FirstName": "Ada", "LastName": "Lovelace"}}
                   ).request.customer_profile.name == "Ada Lovelace"
    assert _intake({"UserDetails": {"LastName": "Lovelace"}}
                   ).request.customer_profile.name == "Lovelace"
    assert _intake({}).request.customer_profile.name == NO_NAME


def test_an_edu_lead_without_personal_data_still_becomes_a_referral():
    # The marketplace strips personal data from .edu leads: only the offer remains.
    got = _intake({"UserDetails": {"FirstName": "", "LastName": "", "Email": "", "Phone": "",
                                   "Country": "", "Company": "", "Title": ""},
                   "LeadSource": "AzureMarketplace-INS|contoso.backup",
                   "ActionCode": "INS", "OfferTitle": "Contoso Backup", "Description": ""})
    profile = got.request.customer_profile
    assert profile.name == NO_NAME and profile.contacts == [] and profile.address is None
    assert got.request.details.notes is None
    assert got.origin.offer_id == "contoso.backup"


def test_values_the_referral_cannot_hold_move_to_the_notes():
    got = _intake(HTTPS_SAMPLE)  # "Country": "USA" is not a two-letter code
    assert got.request.customer_profile.address is None
    assert got.request.details.notes == "Test run through Power Automate\n\nCountry: USA"
    assert got.request.customer_profile.contacts[0].title == "Esquire"
    odd = _intake({"UserDetails": {"FirstName": "Bo", "Email": "not an address",
                                   "Phone": "call me maybe"}})
    (contact,) = odd.request.customer_profile.contacts
    assert contact.email is None and contact.phone_number is None
    assert contact.last_name == "(not given)"
    # A title with no person to give it to stays in the notes, clipped like the others.
    alone = _intake({"UserDetails": {"Title": "Chief " + "x" * 300}})
    assert alone.request.customer_profile.contacts == []
    notes = alone.request.details.notes or ""
    assert notes.startswith("Title: Chief xx") and len(notes) == len("Title: ") + 200
    assert odd.request.details.notes == "E-mail: not an address\nPhone: call me maybe"


def test_long_values_are_shortened_not_refused():
    got = _intake({"UserDetails": {"FirstName": "A" * 500, "Company": "C" * 500},
                   "OfferTitle": "O" * 500, "Description": "D" * 70_000})
    profile = got.request.customer_profile
    assert len(profile.name) == 200 and profile.name.endswith("…")
    assert len(profile.contacts[0].first_name) == 100
    assert len(got.request.details.requirements.products[0]) == 100
    notes = got.request.details.notes
    assert notes is not None and len(notes) == 4000
