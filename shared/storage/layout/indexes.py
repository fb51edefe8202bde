"""Index rows: how every listing, search and sort is served without scanning a partition.

Key design (the Azure Table design guide's intra-partition secondary index pattern). Index
rows live in the referral's own partition, so they are written in the same entity-group
transaction as the referral and can never disagree with it:

* order rows ``x|<group>.<stage>|<order>|<sort value>|<id>``, one per combination of
  group (``all``, the category, and ``favorites`` when it is one), stage (``all`` and its
  own) and each sort order that applies (``ea``, ``fd`` only while received; ``ka``, ``vd``
  only while accepted). A listing is one range of RowKeys in the order it is shown. The rows
  carry copies of the small fields the other filters test (qualification, country,
  arrival day), so those are evaluated on index rows, never on referrals. At most
  3 groups x 2 stages x 4 orders = 24 rows a referral (received: cd, ca, ea, fd; accepted:
  cd, ca, ka, vd).
* person rows ``p|<o + hash of the owner's id, or t + hash of a team member's e-mail>|<id>``:
  "my leads" (``owner``) and a Referrals user's list are ranges of these, newest first
  (at most 1 + ``rules.MAX_TEAM`` a referral).
* word rows ``w|<word>|<id>`` for each folded word of the customer's and the deal's name
  (at most ``text.MAX_WORDS``), and ``e|<hash of the folded externalReferenceId>|<id>``:
  a search is a prefix range of word rows, or one exact range.

Changes write only the difference between a referral's rows before and after.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shared.domain.enums import ListOrder, Stage
from shared.domain.lifecycle import stage_of
from shared.domain.models import Referral
from shared.domain.text import fold, words
from shared.storage.ports import ListQuery
from shared.storage.ports.ids import MAX_MS

ORDER_ROW, WORD_ROW, EXACT_ROW, PERSON_ROW = "x", "w", "e", "p"
INDEX_PREFIXES = (EXACT_ROW, PERSON_ROW, WORD_ROW, ORDER_ROW)
CODES = {ListOrder.CREATED_DESC: "cd", ListOrder.CREATED_ASC: "ca",
         ListOrder.EXPIRATION_ASC: "ea", ListOrder.CLOSING_ASC: "ka", ListOrder.VALUE_DESC: "vd",
         ListOrder.FIT_DESC: "fd"}
_CENTS_MAX = 10**15 - 1  # Money is at most 10^12 with 2 decimals: 15 digits of cents
HIGH = "~"  # sorts after every character used in keys ([0-9a-z|.])


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _sort_value(order: ListOrder, r: Referral) -> str | None:
    """The key part a referral sorts by in ``order``, or None when the order skips it."""
    stage = stage_of(r.status)
    if order is ListOrder.CREATED_DESC:
        return r.id  # ids are inverted arrival milliseconds: ascending keys, newest first
    if order is ListOrder.CREATED_ASC:
        return f"{ms(r.created_date_time):013d}"
    if order is ListOrder.EXPIRATION_ASC and stage is Stage.RECEIVED and r.expiration_date_time:
        return f"{ms(r.expiration_date_time):013d}"
    if order is ListOrder.CLOSING_ASC and stage is Stage.ACCEPTED and r.details.closing_date:
        return r.details.closing_date.strftime("%Y%m%d")
    if order is ListOrder.FIT_DESC and stage is Stage.RECEIVED and r.fit is not None:
        return f"{100 - r.fit.score:03d}"  # best first
    if order is ListOrder.VALUE_DESC and stage is Stage.ACCEPTED \
            and r.details.deal_value is not None:
        return f"{_CENTS_MAX - int(r.details.deal_value * 100):015d}"
    return None


def owner_key(owner_id: str) -> str:
    return "o" + hashlib.sha256(owner_id.encode()).hexdigest()[:24]


def member_key(email: str) -> str:
    return "t" + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]


def person_keys(query: ListQuery) -> list[str]:
    """The person keys of the people ``query`` lists, in key order."""
    return sorted({*map(owner_key, query.owners), *map(member_key, query.members)})


def person_prefix(person: str) -> str:
    return f"{PERSON_ROW}|{person}|"


def exact_key(term: str) -> str:
    # Hashed: an external id may hold any character, and RowKeys may not hold / \\ # ?.
    return hashlib.sha256(fold(term.strip()).encode()).hexdigest()[:24]


def index_rows(r: Referral) -> dict[str, dict[str, Any]]:
    """RowKey -> properties of every index row ``r`` should have."""
    stage = stage_of(r.status).value
    country = r.customer_profile.address.country if r.customer_profile.address else None
    copies = {"ref": r.id, "q": r.qualification.value, "cc": country or "",
              "cday": r.created_date_time.strftime("%Y-%m-%d")}
    groups = ["all", r.qualification.category.value] + (["favorites"] if r.favorite else [])
    rows: dict[str, dict[str, Any]] = {}
    for order, code in CODES.items():
        value = _sort_value(order, r)
        if value is None:
            continue
        for group in groups:
            for scope_stage in ("all", stage):
                rows[f"{ORDER_ROW}|{group}.{scope_stage}|{code}|{value}|{r.id}"] = copies
    for word in words(r.customer_profile.name, r.name):
        rows[f"{WORD_ROW}|{word}|{r.id}"] = {"ref": r.id}
    if r.external_reference_id:
        rows[f"{EXACT_ROW}|{exact_key(r.external_reference_id)}|{r.id}"] = {"ref": r.id}
    # Person rows: whose referral it is (owner) and who works on it (team), newest first.
    people = [owner_key(r.owner.id)] if r.owner else []
    people += [member_key(m.email) for m in r.team]
    for person in people:
        rows[f"{person_prefix(person)}{r.id}"] = {"ref": r.id}
    return rows


@dataclass(frozen=True)
class Scan:
    """One range of index rows (``low`` < RowKey < ``high``) and the copies they must match."""

    low: str
    high: str
    equals: dict[str, str] = field(default_factory=dict)
    day_from: str | None = None  # arrival day bounds (inclusive), on the ``cday`` copy
    day_to: str | None = None


def plan(query: ListQuery) -> list[Scan]:
    """The ranges that serve ``query``, in RowKey order (a cursor is just the last key)."""
    if query.by_person:
        return [Scan(person_prefix(p), person_prefix(p) + HIGH) for p in person_keys(query)]
    if query.search or query.search_raw:
        return _search_scans(query)
    group = query.group
    if group == "all" and query.qualification is not None:
        group = query.qualification.category.value
    stage = query.stage.value if query.stage else "all"
    prefix = f"{ORDER_ROW}|{group}.{stage}|{CODES[query.order]}|"
    equals = {"q": query.qualification.value} if query.qualification else {}
    if query.country:
        equals["cc"] = query.country
    low, high = _created_bounds(prefix, query)
    day_from = day_to = None
    if query.order not in (ListOrder.CREATED_DESC, ListOrder.CREATED_ASC):
        day_from = query.created_from.isoformat() if query.created_from else None
        day_to = query.created_to.isoformat() if query.created_to else None
    return [Scan(low, high, equals, day_from, day_to)]


def _created_bounds(prefix: str, query: ListQuery) -> tuple[str, str]:
    """Arrival dates become key bounds for the two orders keyed by arrival time."""
    low, high = prefix, prefix + HIGH
    start = _day_ms(query.created_from) if query.created_from else None
    end = _day_ms(query.created_to + timedelta(days=1)) if query.created_to else None
    if query.order is ListOrder.CREATED_ASC:
        low = prefix + f"{start:013d}" if start is not None else low
        high = prefix + f"{end:013d}" if end is not None else high
    elif query.order is ListOrder.CREATED_DESC:
        # Inverted milliseconds: the newest allowed moment is the low bound.
        low = prefix + f"r{MAX_MS - end:013d}{HIGH}" if end is not None else low
        high = prefix + f"r{MAX_MS - start + 1:013d}" if start is not None else high
    return low, high


def _day_ms(day: date) -> int:
    return ms(datetime.combine(day, time(), tzinfo=UTC))


def _search_scans(query: ListQuery) -> list[Scan]:
    scans = []
    if query.search_raw:
        key = f"{EXACT_ROW}|{exact_key(query.search_raw)}|"
        scans.append(Scan(key, key + HIGH))
    if query.search:
        prefix = f"{WORD_ROW}|{query.search[0]}"
        scans.append(Scan(prefix, prefix + HIGH))
    return scans


def row_matches(scan: Scan, props: dict[str, Any]) -> bool:
    """The residual filters, as the Table service evaluates them (for the in-memory store)."""
    if any(props.get(k) != v for k, v in scan.equals.items()):
        return False
    day = str(props.get("cday", ""))
    return not ((scan.day_from and day < scan.day_from) or (scan.day_to and day > scan.day_to))


def scan_from(scans: list[Scan], cursor: str | None) -> Iterator[Scan]:
    """The scans still to read after ``cursor``, the first one narrowed to start there."""
    for scan in scans:
        if cursor is not None and cursor >= scan.high:
            continue
        low = max(scan.low, cursor) if cursor is not None else scan.low
        yield Scan(low, scan.high, scan.equals, scan.day_from, scan.day_to)


def is_index_key(row_key: str) -> bool:
    return row_key[:2] in {p + "|" for p in INDEX_PREFIXES}


INDEX_VERSION = 1  # stored on each referral row whose index rows are written ("ix")


@dataclass(frozen=True)
class IndexDiff:
    deletes: list[str]
    upserts: dict[str, dict[str, Any]]

    def __len__(self) -> int:
        return len(self.deletes) + len(self.upserts)


def diff(before: Referral | None, after: Referral) -> IndexDiff:
    """The index writes that take ``before``'s rows to ``after``'s (None: it had none)."""
    old = index_rows(before) if before is not None else {}
    new = index_rows(after)
    return IndexDiff(
        deletes=[k for k in old if k not in new],
        upserts={k: v for k, v in new.items() if old.get(k) != v},
    )
