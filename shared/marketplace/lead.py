"""The body a marketplace offer's HTTPS lead destination receives, read tolerantly.

What the marketplace sends has varied over the years and between its own documents: the
property names come as ``UserDetails``/``FirstName`` and as ``userDetails``/``firstName``,
fields are often missing or empty (leads from ``.edu`` addresses carry no personal data), and
new properties may appear. So names are matched case-insensitively at every level, unknown
properties are ignored and every field is optional. What is refused is what cannot be a lead:
a body that is not a JSON object, or a known property of the wrong JSON type (every such
field is listed, so one answer names all of them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from shared.domain.errors import FieldError
from shared.domain.sources import MarketplaceLead

TEST_MARK = "msft_test"  # the marketplace's test lead: "MSFT_TEST_<number>" in several fields
USER_DETAILS = "userdetails"
USER_FIELDS = ("firstname", "lastname", "email", "phone", "country", "company", "title")
TOP_FIELDS = ("leadsource", "actioncode", "offertitle", "description")
# How a problem names a property, whatever case it was sent in: snake_case, which the error
# envelope writes in camelCase like every other target (userDetails.firstName).
_NAMES = {"userdetails": "user_details", "firstname": "first_name", "lastname": "last_name",
          "leadsource": "lead_source", "actioncode": "action_code",
          "offertitle": "offer_title"}

# LeadSource is "<source>-<action>|<offer id>", e.g. "SPZA-PLT|contoso.cloud-migration"; the
# documented leads also show a bare source ("AzureMarketplace", its action then only in
# ActionCode) and the label "AppSource (SPZA)". Anything else is kept raw, unparsed.
_LEAD_SOURCE = re.compile(
    r"(?P<source>[A-Za-z0-9_.]+(?: \([A-Za-z0-9_]+\))?)"
    r"(?:-(?P<action>[A-Za-z0-9_]+))?"
    r"(?:\|(?P<offer>[^|\s](?:[^|]*[^|\s])?))?")


class LeadRefused(Exception):
    """The body cannot be a lead; ``problems`` names every bad field (none for a body that is
    not a JSON object at all)."""

    def __init__(self, message: str, problems: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message, self.problems = message, problems or []


@dataclass(frozen=True)
class UserDetails:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    country: str | None = None
    company: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Lead:
    """One lead as sent, every text trimmed, empty ones None."""

    user: UserDetails
    lead_source: str | None = None
    action_code: str | None = None
    offer_title: str | None = None
    description: str | None = None

    @property
    def is_test(self) -> bool:
        """The marketplace's test lead (sent when an offer's lead destination is saved or
        validated): its first name, e-mail or description starts with MSFT_TEST."""
        marked = (self.user.first_name, self.user.email, self.description)
        return any(v is not None and v.lower().startswith(TEST_MARK) for v in marked)

    def origin(self) -> MarketplaceLead:
        """Where it came from: ``LeadSource`` parsed, its action taken from ``ActionCode``
        when the LeadSource names none (the documented bare "AzureMarketplace")."""
        parsed = parse_lead_source(self.lead_source)
        return parsed.model_copy(update={"action": parsed.action or self.action_code,
                                         "offer_title": self.offer_title})


def parse_lead_source(raw: str | None) -> MarketplaceLead:
    """``<source>-<action>|<offer id>`` split into its parts; None parts when it does not
    parse, the raw text kept either way."""
    if raw is None:
        return MarketplaceLead()
    match = _LEAD_SOURCE.fullmatch(raw)
    if match is None:
        return MarketplaceLead(lead_source=raw)
    return MarketplaceLead(lead_source=raw, source=match["source"], action=match["action"],
                           offer_id=match["offer"])


def parse(raw: bytes) -> Lead:
    """The lead in ``raw`` (any encoding JSON allows), or LeadRefused."""
    try:
        # Pairs, not a dict: names are compared case-insensitively below, and a duplicate
        # spelling must not silently replace the first.
        body = json.loads(raw, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):  # JSONDecodeError, bad UTF-8, absurd nesting
        raise LeadRefused("The body is not valid JSON.") from None
    if not isinstance(body, _Pairs):
        raise LeadRefused("The body must be a JSON object.")
    problems: list[FieldError] = []
    top = _texts(body, TOP_FIELDS, "", problems)
    user = _user(body, problems)
    if problems:
        raise LeadRefused("Properties of the lead have the wrong JSON type; see details.",
                          problems)
    return Lead(UserDetails(**user), top["leadsource"], top["actioncode"], top["offertitle"],
                top["description"])


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its (name, value) pairs in document order."""

    def find(self, name: str) -> tuple[str, Any] | None:
        """The first property called ``name`` in any case that has a value (not null, not
        empty), else the first so called at all."""
        named = [(k, v) for k, v in self if k.lower() == name]
        filled = [(k, v) for k, v in named if v is not None and v != ""]
        candidates = filled or named
        return candidates[0] if candidates else None


def _user(body: _Pairs, problems: list[FieldError]) -> dict[str, str | None]:
    names = dict(zip(USER_FIELDS, UserDetails.__dataclass_fields__, strict=True))
    found = body.find(USER_DETAILS)
    details = found[1] if found else None
    if details is None or isinstance(details, _Pairs):
        texts = _texts(details or _Pairs(), USER_FIELDS, _name(USER_DETAILS) + ".", problems)
        return {names[k]: v for k, v in texts.items()}
    problems.append(FieldError("invalidValue", "must be an object or null",
                               _name(USER_DETAILS)))
    return {}


def _texts(obj: _Pairs, fields: tuple[str, ...], prefix: str, problems: list[FieldError]
           ) -> dict[str, str | None]:
    """Each of ``fields`` as trimmed text (None when missing, null or blank); a value of
    another JSON type is a problem named by its path as sent."""
    out: dict[str, str | None] = {}
    for name in fields:
        found = obj.find(name)
        value = found[1] if found else None
        if value is not None and not isinstance(value, str):
            problems.append(FieldError("invalidValue", "must be a string or null",
                                       prefix + _name(name)))
            value = None
        out[name] = (value or "").strip() or None
    return out


def _name(name: str) -> str:
    return _NAMES.get(name, name)
