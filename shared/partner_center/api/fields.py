"""Reading Partner Center's referral fields (Microsoft's "Referral resources": ``status`` and
``substatus``, ``customerProfile`` with ``team`` and ``address``, ``details`` with
``dealValue``, ``currency``, ``closingDateTime``, ``notes`` and ``requirements``, and the
``team`` members) into this app's domain values.

Leniently: a value this app cannot hold (a phone number its pattern refuses, a three-letter
country) is left out rather than failing the whole referral, and the write-back compares
through these same readers, so what was left out is never "corrected" in Partner Center.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from shared.domain.enums import CustomerSize, DeclineReason, LostReason, Status, Substatus
from shared.domain.models import Address, Contact, Requirements, TeamMember

from .timefmt import parse_instant

M = TypeVar("M", bound=BaseModel)
MAX_NOTES = 4000
_NUMBER = re.compile(r"\d+")
_KNOWN_REASONS = frozenset({*DeclineReason, *LostReason})
# Partner Center's (status, substatus) -> this app's; New/Pending is a received referral too.
_STAGES = {
    ("New", "Pending"): (Status.NEW, Substatus.RECEIVED),
    ("New", "Received"): (Status.NEW, Substatus.RECEIVED),
    ("Active", "Accepted"): (Status.ACTIVE, Substatus.ACCEPTED),
    **{("Closed", s.value): (Status.CLOSED, s) for s in (
        Substatus.WON, Substatus.LOST, Substatus.DECLINED, Substatus.EXPIRED)},
}


def obj(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def text(value: object, limit: int | None = None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value[:limit] if limit else value


def valid(model: type[M], data: Mapping[str, Any]) -> M | None:
    try:
        return model.model_validate({k: v for k, v in data.items() if v is not None})
    except ValidationError:
        return None


def stage(pc: Mapping[str, Any]) -> tuple[Status, Substatus] | None:
    """This app's status and substatus for Partner Center's, or None when unknown."""
    return _STAGES.get((str(pc.get("status")), str(pc.get("substatus"))))


def money(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01"))


def day(value: object) -> date | None:
    instant = parse_instant(value) if isinstance(value, str) else None
    return instant.date() if instant else None


def currency(value: object) -> str | None:
    return value if isinstance(value, str) and re.fullmatch(r"[A-Z]{3}", value) else None


def size(value: object) -> CustomerSize | None:
    """Partner Center's bands (``1to9employees``, ``10to50employees``, ``51to250employees``,
    ...) folded into this app's three by their lower bound."""
    if not isinstance(value, str):
        return None
    if value in CustomerSize._value2member_map_:
        return CustomerSize(value)
    numbers = [int(n) for n in _NUMBER.findall(value)]
    if not numbers:
        return None
    if value.lower().startswith("morethan"):
        return CustomerSize.LARGE if numbers[0] >= 500 else CustomerSize.MEDIUM
    low = numbers[0]
    return (CustomerSize.SMALL if low <= 50 else
            CustomerSize.MEDIUM if low <= 500 else CustomerSize.LARGE)


def address(value: object) -> Address | None:
    pc = obj(value)
    if not pc:
        return None
    country = pc.get("country")
    return valid(Address, {
        "city": text(pc.get("city"), 200), "region": text(pc.get("state") or pc.get("region"), 200),
        "postal_code": text(pc.get("postalCode"), 20),
        "address_line1": text(pc.get("addressLine1"), 200),
        "country": country if isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)
        else None})


def contact(value: object) -> Contact | None:
    """A customer contact (``customerProfile.team``), without the parts it cannot hold."""
    pc = obj(value)
    data = {"first_name": text(pc.get("firstName"), 100),
            "last_name": text(pc.get("lastName"), 100),
            "email": text(pc.get("email")), "phone_number": text(pc.get("phoneNumber"))}
    for drop in ((), ("phone_number",), ("email",), ("email", "phone_number")):
        found = valid(Contact, {k: v for k, v in data.items() if k not in drop})
        if found is not None:
            return found
    return None


def member(value: object) -> TeamMember | None:
    """A partner team member (top-level ``team``); None when it lacks what one needs here."""
    pc = obj(value)
    return valid(TeamMember, {
        "first_name": text(pc.get("firstName"), 100), "last_name": text(pc.get("lastName"), 100),
        "email": text(pc.get("email")), "phone_number": text(pc.get("phoneNumber"))})


def requirements(value: object) -> Requirements:
    pc = obj(value)

    def ids(key: str) -> list[str]:
        raw = pc.get(key)
        items = raw if isinstance(raw, list) else []
        found = [text(obj(i).get("id"), 100) for i in items]
        return [i.strip() for i in found if i and i.strip()][:50]

    return valid(Requirements, {"products": ids("products"), "industries": ids("industries"),
                                "services": ids("services")}) or Requirements()


def reason_and_notes(status_reason: object) -> tuple[str | None, str | None]:
    """``<reason>: <notes>`` (how decline and lost reasons are written back) read back; a
    free text Partner Center's own people wrote is reason ``Other`` with that text."""
    value = text(status_reason)
    if value is None:
        return None, None
    head, sep, tail = value.partition(": ")
    if head in _KNOWN_REASONS:
        return head, (tail[:MAX_NOTES] or None) if sep else None
    return "Other", value[:MAX_NOTES]
