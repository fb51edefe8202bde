"""How well a referral fits the partner: a score 0..100 that is the sum of its reasons.

"Be choosy with the deals you accept": each point comes from a reason the partner can read,
computed at arrival from the partner's own profile and history. Pure: the profile and the
history figures are passed in.

Points: keyword matches 10 each (at most 40); a customer size the partner serves 15; a
customer country where it has a location 15; and, once at least MIN_SIMILAR earlier
referrals like it (same qualification, a shared product) have been answered, up to 15 for
how many of them it accepted and up to 15 for how many of those decided it won.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Fit, FitReason, Profile, Referral
from .text import fold, tokens

KEYWORD_POINTS, MAX_KEYWORD_POINTS = 10, 40
SIZE_POINTS = COUNTRY_POINTS = 15
RATE_POINTS = 15
MIN_SIMILAR = 5
BANDS = ((0, 39), (40, 69), (70, 100))


@dataclass(frozen=True)
class Similar:
    """How earlier referrals like this one ended for the partner."""

    label: str  # e.g. "MarketingQualified leads for Azure"
    answered: int  # accepted or declined
    accepted: int
    won: int
    lost: int


def band(score: int) -> str:
    return next(f"{low}-{high}" for low, high in BANDS if low <= score <= high)


def _plural_free(word: str) -> str:
    # Simple plurals: "migrations" matches "migration", "companies" matches "company".
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _stems(text: str) -> list[str]:
    return [_plural_free(w) for w in tokens(text)]


def _keyword_reason(r: Referral, profile: Profile) -> FitReason | None:
    needs = r.details.requirements
    haystack = " ".join([*needs.products, *needs.services, *needs.industries,
                         r.details.notes or ""])
    stems = _stems(haystack)
    joined = " " + " ".join(stems) + " "
    matched = [k for k in profile.keywords if (phrase := " ".join(_stems(k)))
               and f" {phrase} " in joined]
    if not matched:
        return None
    points = min(MAX_KEYWORD_POINTS, KEYWORD_POINTS * len(matched))
    return FitReason(code="keywords", points=points,
                     message=f"Matches your keywords: {', '.join(matched)}")


def _rate_reasons(similar: Similar | None) -> list[FitReason]:
    if similar is None or similar.answered < MIN_SIMILAR:
        return []
    out = [FitReason(code="accepted", points=round(RATE_POINTS * similar.accepted
                                                   / similar.answered),
                     message=f"You accepted {similar.accepted} of {similar.answered} similar "
                             f"leads ({similar.label})")]
    decided = similar.won + similar.lost
    if decided:
        out.append(FitReason(code="won", points=round(RATE_POINTS * similar.won / decided),
                             message=f"You won {similar.won} of {decided} similar leads "
                                     f"({similar.label})"))
    return out


def score(r: Referral, profile: Profile, similar: Similar | None = None) -> Fit:
    reasons: list[FitReason] = []
    keyword = _keyword_reason(r, profile)
    if keyword:
        reasons.append(keyword)
    size = r.customer_profile.size
    if size is not None and size in profile.customer_sizes:
        reasons.append(FitReason(code="customerSize", points=SIZE_POINTS,
                                 message=f"A customer size you serve ({size.value})"))
    country = r.customer_profile.address.country if r.customer_profile.address else None
    if country and country in {loc.country for loc in profile.locations}:
        reasons.append(FitReason(code="country", points=COUNTRY_POINTS,
                                 message=f"A customer in {country}, where you have a location"))
    reasons += _rate_reasons(similar)
    return Fit(score=sum(x.points for x in reasons), reasons=reasons)


def similar_keys(r: Referral) -> list[str]:
    """The history buckets a referral counts in: one per product, by qualification."""
    return [f"{r.qualification.value}:{fold(p)}" for p in r.details.requirements.products]
