"""Customer data (contract section 11): show a person's data, erase it everywhere, and keep
none of it longer than PERSONAL_DATA_RETENTION.

* scrub.py: what an erasure changes (pure), for one address or for everyone;
* ports.py: what the use cases need from storage; store.py: its Table Storage side;
* service.py: the lookup, the erasure and its log; retention.py: the daily sweep's part;
* routes.py: the HTTP routes (admins only).

Where a person's data can be (docs/privacy.md has the full map): a referral's contacts, team
and owner, its history values, its free text, the address and person index rows, the
partner's profile (location contacts), and e-mail delivery records. Queue messages carry ids
only, and webhook and e-mail payloads are built at delivery time from the stored rows, so an
erasure is a matter of rows.
"""
