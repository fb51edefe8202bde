"""Partner Center referrals shaped like the samples in Microsoft's "Referral resources" and
"Get the list of leads and opportunities" docs (with ``direction``, which the filter uses)."""

import copy

RID = "61c65491-2f2c-461a-84b4-3654499bc1d9"

LEAD = {
    "id": RID, "engagementId": "b1c40bb4-6d36-4eca-baa3-e1460cf2a454",
    "createdDateTime": "2026-10-29T21:24:52.040469Z",
    "updatedDateTime": "2026-10-30T08:00:00.1234567Z",
    "expirationDateTime": "2026-11-12T00:00:00Z",
    "status": "New", "substatus": "Pending", "qualification": "SalesQualified",
    "type": "Independent", "direction": "Incoming",
    "customerProfile": {
        "name": "Contoso Customer Inc",
        "address": {"addressLine1": "One Microsoft Way", "addressLine2": "34", "city": "Redmond",
                    "state": "WA", "postalCode": "98052", "country": "US"},
        "size": "10to50employees",
        "team": [
            {"contactPreference": {"locale": "en-US", "disableNotifications": False},
             "firstName": "Sue", "lastName": "Smith", "phoneNumber": "1234567890",
             "email": "sue.smith@contoso.com"},
            {"firstName": "Joe", "lastName": "Hansen", "phoneNumber": "ext. 12 (call)",
             "email": "joe.hansen@contoso.com"},
        ],
        "ids": {},
    },
    "consent": {"consentToShareInfoWithOthers": True, "consentToContact": True},
    "details": {
        "notes": "Customer is looking to leverage Dynamics 365 to manage their supply chain.",
        "dealValue": 50000, "currency": "USD",
        "requirements": {"industries": [{"id": "Manufacturing"}],
                         "products": [{"id": "Dynamics365Enterprise"}],
                         "services": [{"id": "DeploymentOrMigration"}],
                         "solutions": [{"id": "Dynamics365forFieldService", "type": "Category"}]},
    },
    "team": [{"contactPreference": {"locale": "en-US", "disableNotifications": False},
              "firstName": "John", "lastName": "Doe", "phoneNumber": "1231231234",
              "email": "john.doe@partner.example"}],
    "inviteContext": {"notes": "Hi, hoping you can help this customer.",
                      "invitedBy": {"organizationId": "msft", "organizationName": "Microsoft"}},
    "eTag": "\"2500ec5a-0000-0000-0000-5bf4967d0000\"",
}


def lead(**changes):
    referral = copy.deepcopy(LEAD)
    referral.update(changes)
    return referral
