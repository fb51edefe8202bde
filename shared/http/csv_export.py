"""The CSV of GET /referrals/export: its columns, and the guard against formula injection.

A spreadsheet may read the file with another separator than ours (Excel uses ``;`` where the
decimal mark is a comma, as in the Netherlands and Germany; an import may split on tabs), so
every cell is quoted and every piece of a cell that such a reading could make a cell of its
own (the text after a comma, semicolon, tab or line break) is defused: when its first visible
character, after spaces, control, zero-width characters and quotes, is ``=``, ``+``, ``-`` or
``@`` (or their full-width forms), a ``'`` goes in front of it (OWASP: CSV injection).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
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
_FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# Where a spreadsheet reading with another separator, or none, may start a new cell.
_CELL_BREAK = re.compile(r"([,;\t\r\n])")
# Skipped before the first visible character: controls, format (zero-width, bidi), spaces.
_INVISIBLE = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def _first_visible(text: str) -> str:
    return next((c for c in text if c not in '"\t\r\n,;'
                 and unicodedata.category(c) not in _INVISIBLE), "")


def _defused(piece: str) -> str:
    return "'" + piece if _first_visible(piece) in _FORMULA_STARTS else piece


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    pieces = _CELL_BREAK.split(text)  # text, break, text, break, ... text
    cell = "".join(_defused(p) if i % 2 == 0 else p for i, p in enumerate(pieces))
    # The cell as a whole too, in case a reader skips the leading breaks ("\t=1").
    return _defused(cell) if not cell.startswith("'") else cell


def to_csv(items: Iterable[Stored]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(HEADER)  # RFC 4180
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for stored in items:
        writer.writerow([safe_cell(get(stored.referral)) for _, get in COLUMNS])
    return out.getvalue()
