"""The CSV of GET /referrals/export: its columns, and the guard against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import datetime

from shared.domain.events import iso
from shared.domain.lifecycle import stage_of
from shared.domain.models import Referral
from shared.storage.ports import Stored


def _time(value: datetime | None) -> str:
    return iso(value) if value else ""


def _contact(r: Referral) -> tuple[str, str, str]:
    c = r.customer_profile.contacts[0] if r.customer_profile.contacts else None
    if c is None:
        return "", "", ""
    return f"{c.first_name} {c.last_name}", c.email or "", c.phone_number or ""


Column = tuple[str, Callable[[Referral], object]]
COLUMNS: list[Column] = [
    ("id", lambda r: r.id),
    ("qualification", lambda r: r.qualification.value),
    ("stage", lambda r: stage_of(r.status).value),
    ("status", lambda r: r.status.value),
    ("substatus", lambda r: r.substatus.value),
    ("statusReason", lambda r: r.status_reason),
    ("customerName", lambda r: r.customer_profile.name),
    ("customerCountry", lambda r: r.customer_profile.address.country
     if r.customer_profile.address else None),
    ("customerSize", lambda r: r.customer_profile.size.value if r.customer_profile.size else None),
    ("contactName", lambda r: _contact(r)[0]),
    ("contactEmail", lambda r: _contact(r)[1]),
    ("contactPhone", lambda r: _contact(r)[2]),
    ("dealName", lambda r: r.name),
    ("dealValue", lambda r: r.details.deal_value),
    ("currency", lambda r: r.details.currency),
    ("closingDate", lambda r: r.details.closing_date.isoformat() if r.details.closing_date
     else None),
    ("owner", lambda r: f"{r.owner.name} <{r.owner.email}>" if r.owner else None),
    ("externalReferenceId", lambda r: r.external_reference_id),
    ("campaignId", lambda r: r.campaign_id),
    ("favorite", lambda r: "true" if r.favorite else "false"),
    ("createdDateTime", lambda r: _time(r.created_date_time)),
    ("expirationDateTime", lambda r: _time(r.expiration_date_time)),
    ("acceptedDateTime", lambda r: _time(r.accepted_date_time)),
    ("closedDateTime", lambda r: _time(r.closed_date_time)),
]
HEADER = [name for name, _ in COLUMNS]
# A spreadsheet runs a cell starting with these as a formula (OWASP: CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def to_csv(items: Iterable[Stored]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(HEADER)
    for stored in items:
        writer.writerow([safe_cell(get(stored.referral)) for _, get in COLUMNS])
    return out.getvalue()
