"""The marketplace's own lead examples, as its documentation prints them (Microsoft Learn,
"Use an HTTPS endpoint to manage commercial marketplace leads", "Customer leads from your
commercial marketplace offer" and "Common questions and troubleshooting for lead
configuration"), for the tests of the lead endpoint."""

from __future__ import annotations

# The HTTPS endpoint article's sample payload (PascalCase names; "USA" is its country).
HTTPS_SAMPLE = b"""{
  "UserDetails": {
    "FirstName": "Some",
    "LastName": "One",
    "Email": "someone@contoso.com",
    "Phone": "16175555555",
    "Country": "USA",
    "Company": "Contoso",
    "Title": "Esquire"
 },
  "LeadSource": "AzureMarketplace",
  "ActionCode": "INS",
  "OfferTitle": "Test Microsoft",
  "Description": "Test run through Power Automate"
}"""

# The FAQ's test lead, exactly as printed: "userDetails" in camelCase, and no comma after
# "OfferTitle", so it is not valid JSON.
TEST_LEAD_AS_PRINTED = b"""{
    "userDetails": {
      "FirstName": "MSFT_TEST_636573304831318844",
      "LastName": "MSFT_TEST_636573304831318844",
      "Email": "MSFT_TEST_636573304831318844@test.com",
      "Phone": "1234567890",
      "Country": "US",
      "Company": "MSFT_TEST_636573304831318844",
      "Title": "MSFT_TEST_636573304831318844"
    },
    "LeadSource": "AzureMarketplace",
    "ActionCode": "INS",
    "OfferTitle": "Contoso Test"
    "Description": "MSFT_TEST_636573304831318844"
}"""

# The same test lead with the comma the marketplace's real sender writes.
TEST_LEAD = TEST_LEAD_AS_PRINTED.replace(b'"Contoso Test"\n', b'"Contoso Test",\n')

# The customer information the lead data article lists, in camelCase at every level.
CAMEL_CASE_LEAD = b"""{
  "userDetails": {"firstName": "John", "lastName": "Smith", "email": "jsmith@microsoft.com",
                  "phone": "1234567890", "country": "US", "company": "Microsoft",
                  "title": "CTO"},
  "leadSource": "SPZA-PLT|checkpoint.check-point-r77-10sg-byol",
  "actionCode": "PLT",
  "offerTitle": "Check Point CloudGuard",
  "description": "Please contact me about a trial."
}"""

# Every LeadSource form the documentation shows: "<source>-<action>|<offer id>" with its
# sources (AzureMarketplace, AzurePortal, AppSource shown as "AppSource (SPZA)" and sent as
# SPZA), its actions (INS, PLT, DNC, Create, StartTestDrive), its offer ids
# (publisherid.offerid), the bare source of the JSON samples, and the test lead's form.
LEAD_SOURCES = [
    ("AzureMarketplace", ("AzureMarketplace", None, None)),
    ("AzureMarketplace-INS|checkpoint.check-point-r77-10sg-byol",
     ("AzureMarketplace", "INS", "checkpoint.check-point-r77-10sg-byol")),
    ("SPZA-PLT|contoso.cloud-migration", ("SPZA", "PLT", "contoso.cloud-migration")),
    ("SPZA-DNC|bitnami.openedxcypress", ("SPZA", "DNC", "bitnami.openedxcypress")),
    ("AzurePortal-Create|docusign.3701c77e-1cfa-4c56-91e6-3ed0b622145",
     ("AzurePortal", "Create", "docusign.3701c77e-1cfa-4c56-91e6-3ed0b622145")),
    ("AzureMarketplace-StartTestDrive|bitnami.openedxcypress",
     ("AzureMarketplace", "StartTestDrive", "bitnami.openedxcypress")),
    ("AppSource (SPZA)-PLT|contoso.cloud-migration",
     ("AppSource (SPZA)", "PLT", "contoso.cloud-migration")),
    ("MSFT_TEST_636573304831318844-MSFT_TEST_636573304831318844|<Offer Name>",
     ("MSFT_TEST_636573304831318844", "MSFT_TEST_636573304831318844", "<Offer Name>")),
]
