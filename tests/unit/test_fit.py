"""The fit score: each reason alone, combinations, accents and plurals, few similar leads;
always the sum of its reasons and within 0..100."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import operations as ops
from shared.domain.commands import IntakeRequest
from shared.domain.fit import Similar, band, score
from shared.domain.models import Profile, ProfileInput, Referral
from tests.support.factories import intake_body, profile_body

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def referral(products=("Azure",), notes="", size="51to500employees", country="NL",
             services=(), industries=()) -> Referral:
    body = intake_body("p1")
    body["customerProfile"]["size"] = size
    body["customerProfile"]["address"] = {"country": country} if country else None
    body["details"]["notes"] = notes
    body["details"]["requirements"] = {"products": list(products), "services": list(services),
                                       "industries": list(industries)}
    cmd = IntakeRequest.model_validate_json(json.dumps(body))
    return ops.receive(cmd, "r1", T0, timedelta(days=14))[0]


def profile(keywords=("azure", "migration"), sizes=("51to500employees",), countries=("NL",)
            ) -> Profile:
    body = profile_body()
    body["keywords"] = list(keywords)
    body["customerSizes"] = list(sizes)
    body["locations"] = [{**body["locations"][0], "country": c} for c in countries]
    return Profile.model_validate(ProfileInput.model_validate_json(json.dumps(body)).model_dump())


def codes(fit) -> dict[str, int]:
    return {r.code: r.points for r in fit.reasons}


@pytest.mark.parametrize(("ref", "prof", "expected"), [
    (referral(products=(), country=None, size="Morethan500employees"), profile(), {}),
    (referral(products=("Azure",), country=None, size="Morethan500employees"), profile(),
     {"keywords": 10}),
    (referral(products=(), notes="Several MIGRATIONS planned", country=None,
              size="Morethan500employees"), profile(), {"keywords": 10}),
    (referral(products=("Äzure",), services=("Data migration",), country=None,
              size="Morethan500employees"), profile(), {"keywords": 20}),
    (referral(products=(), country=None), profile(), {"customerSize": 15}),
    (referral(products=(), size="Morethan500employees"), profile(), {"country": 15}),
    (referral(products=("Azure",), notes="migration"), profile(),
     {"keywords": 20, "customerSize": 15, "country": 15}),
    (referral(products=("Azure",)), profile(keywords=()), {"customerSize": 15, "country": 15}),
    (referral(products=(), industries=("Retail companies",), country=None,
              size="Morethan500employees"), profile(keywords=("company", "data platform")),
     {"keywords": 10}),
    (referral(products=(), notes="a new data platform", country=None,
              size="Morethan500employees"), profile(keywords=("data platform",)),
     {"keywords": 10}),
    (referral(products=(), notes="data and a platform", country=None,
              size="Morethan500employees"), profile(keywords=("data platform",)), {}),
])
def test_each_reason_alone_and_together(ref, prof, expected):
    fit = score(ref, prof)
    assert codes(fit) == expected
    assert fit.score == sum(expected.values())


def test_keyword_points_are_capped_and_named():
    ref = referral(products=("Azure", "Fabric", "Dynamics", "Teams", "Intune"), country=None,
                   size="Morethan500employees")
    fit = score(ref, profile(keywords=("azure", "fabric", "dynamics", "teams", "intune")))
    assert fit.score == 40
    assert fit.reasons[0].message == "Matches your keywords: azure, fabric, dynamics, teams, intune"


def test_history_counts_only_from_five_similar_leads():
    ref = referral(products=(), country=None, size="Morethan500employees")
    few = Similar("Direct leads for azure", answered=4, accepted=4, won=2, lost=0)
    assert score(ref, profile(), few).reasons == []
    enough = Similar("Direct leads for azure", answered=5, accepted=4, won=1, lost=1)
    fit = score(ref, profile(), enough)
    assert codes(fit) == {"accepted": 12, "won": 8}
    assert [r.message for r in fit.reasons] == [
        "You accepted 4 of 5 similar leads (Direct leads for azure)",
        "You won 1 of 2 similar leads (Direct leads for azure)"]


def test_always_the_sum_of_its_reasons_within_bounds_and_deterministic():
    rng = random.Random(3)
    words = ["Azure", "migration", "Fabric", "Teams", "data", "Ünïcode"]
    for _ in range(300):
        ref = referral(products=rng.sample(words, rng.randrange(4)),
                       notes=" ".join(rng.sample(words, 2)),
                       size=rng.choice(["1to50employees", "Morethan500employees"]),
                       country=rng.choice(["NL", "DE", None]))
        prof = profile(keywords=rng.sample(words, rng.randrange(6)))
        answered = rng.randrange(10)
        accepted = rng.randrange(answered + 1)
        won = rng.randrange(accepted + 1)
        similar = Similar("x", answered, accepted, won, rng.randrange(accepted - won + 1))
        fit = score(ref, prof, similar)
        assert 0 <= fit.score <= 100 and fit.score == sum(r.points for r in fit.reasons)
        assert fit == score(ref, prof, similar)


@pytest.mark.parametrize(("value", "name"), [(0, "0-39"), (39, "0-39"), (40, "40-69"),
                                             (69, "40-69"), (70, "70-100"), (100, "70-100")])
def test_bands(value, name):
    assert band(value) == name
