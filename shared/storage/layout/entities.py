"""Referral/profile <-> Table entity (delivery rows: deliveries.py).

Scalars become typed properties (so listing can filter on them server-side); nested parts
are JSON strings. ``stage`` and ``category`` are stored redundantly for the same reason.
Money is stored as a decimal string: a Double would turn 0.1 into 0.1000000000000000055.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic.alias_generators import to_camel, to_snake

from shared.domain.lifecycle import stage_of
from shared.domain.models import Profile, Referral
from shared.storage.layout.keys import PROFILE_ROW
from shared.storage.ports import EntityTooLarge

# Table Storage: a string property holds at most 64 KiB of UTF-16, and an entity 1 MiB.
MAX_PROPERTY_BYTES = 64 * 1024
MAX_ENTITY_BYTES = 1024 * 1024 - 8 * 1024  # headroom for keys, names and system properties

_JSON_PARTS = ("customer_profile", "invited_by")
_SCALARS = (
    "name", "qualification", "status", "substatus", "status_reason", "closing_notes",
    "external_reference_id", "campaign_id", "favorite",
    "created_date_time", "updated_date_time", "expiration_date_time",
    "accepted_date_time", "closed_date_time", "reminded_date_time",
    "source", "do_not_contact",
)
# Optional nested parts (r3), absent for most referrals: stored only when set.
_OPTIONAL_PARTS = ("owner", "partner_center", "marketplace")



# (model field, entity property) pairs, worked out once: mapping runs for every listed row.
_SCALAR_PROPS = tuple((k, to_camel(k)) for k in _SCALARS)
_JSON_PROPS = tuple((k, to_camel(k)) for k in _JSON_PARTS)
_OPTIONAL_PROPS = tuple((k, to_camel(k) + "Json") for k in _OPTIONAL_PARTS)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _checked(props: dict[str, Any]) -> dict[str, Any]:
    """Refuse up front what Table Storage would refuse as a failed write."""
    sizes = {k: len(v.encode("utf-16-le")) for k, v in props.items() if isinstance(v, str)}
    too_long = [k for k, size in sizes.items() if size > MAX_PROPERTY_BYTES]
    if too_long or sum(sizes.values()) > MAX_ENTITY_BYTES:
        raise EntityTooLarge([_field_of(k) for k in too_long])
    return props


def _field_of(prop: str) -> str:
    """The model field a stored property comes from (customerProfileJson -> customer_profile)."""
    return to_snake(prop.removesuffix("Json"))


def referral_to_entity(r: Referral) -> dict[str, Any]:
    data = r.model_dump(mode="python")
    props: dict[str, Any] = {
        "PartitionKey": r.partner_id,
        "RowKey": r.id,
        "stage": stage_of(r.status).value,
        "category": r.qualification.category.value,
    }
    for key, prop in _SCALAR_PROPS:
        value = data[key]
        if value is not None:  # absent property == None; the SDK cannot store nulls
            props[prop] = value.value if hasattr(value, "value") else value
    for key, prop in _JSON_PROPS:
        props[prop] = _dump(getattr(r, key).model_dump(mode="json", by_alias=True))
    details = r.details.model_dump(mode="json", by_alias=True)
    props["detailsJson"] = _dump(details)
    props["teamJson"] = _dump([m.model_dump(mode="json", by_alias=True) for m in r.team])
    for key, prop in _OPTIONAL_PROPS:
        part = getattr(r, key)
        if part is not None:
            props[prop] = _dump(part.model_dump(mode="json", by_alias=True))
    if r.fit is not None:
        props["fitJson"] = _dump(r.fit.model_dump(mode="json"))
    return _checked(props)


def entity_to_referral(e: dict[str, Any]) -> Referral:
    data: dict[str, Any] = {"id": e["RowKey"], "partner_id": e["PartitionKey"]}
    for key, prop in _SCALAR_PROPS:
        value = e.get(prop)
        if value is not None:  # absent: the model's default (rows older than the field)
            data[key] = _utc(value) if isinstance(value, datetime) else value
    for key, prop in _JSON_PROPS:
        data[key] = json.loads(e[prop])
    data["details"] = json.loads(e["detailsJson"])
    data["team"] = json.loads(e.get("teamJson") or "[]")
    for key, prop in _OPTIONAL_PROPS:
        data[key] = json.loads(e[prop]) if e.get(prop) else None
    data["fit"] = json.loads(e["fitJson"]) if e.get("fitJson") else None
    # Stored data is trusted but typed: validate in lax mode (JSON strings -> enums, dates).
    return Referral.model_validate(data, strict=False)


def profile_to_entity(partner_id: str, profile: Profile) -> dict[str, Any]:
    return _checked({
        "PartitionKey": partner_id,
        "RowKey": PROFILE_ROW,
        "profileJson": _dump(profile.model_dump(mode="json", by_alias=True)),
    })


def entity_to_profile(e: dict[str, Any]) -> Profile:
    return Profile.model_validate(json.loads(e["profileJson"]), strict=False)


def _utc(value: datetime) -> datetime:
    # The SDK returns its own datetime subclass; normalise to a plain aware UTC datetime.
    return datetime(
        value.year, value.month, value.day, value.hour, value.minute, value.second,
        value.microsecond, tzinfo=UTC,
    )

