"""A client generated from the served OpenAPI document (openapi-python-client) drives a lead's
whole life against devhost + Azurite, with no hand-written HTTP: if the document misdescribes
a body, a parameter or a response, the generated code cannot make these calls or parse them."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest

from tests.support.factories import (
    ADMIN,
    INTAKE,
    intake_body,
    member_body,
    new_tenant,
    principal,
    profile_body,
)

pytestmark = pytest.mark.e2e

PACKAGE = "referrals_client"
MODULES = ("models", "types", "api.profile.put_profile", "api.referrals.create_referral",
           "api.referrals.list_referrals", "api.referrals.get_referral",
           "api.referrals.accept_referral", "api.referrals.edit_referral",
           "api.referrals.add_team_member", "api.referrals.favorite_referral",
           "api.referrals.win_referral", "api.referrals.decline_referral",
           "api.insights.get_insights")


@pytest.fixture(scope="module")
def gen(devhost, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """The client generated once for this module from GET /api/openapi.json, imported."""
    out = tmp_path_factory.mktemp("generated")
    (out / "config.yaml").write_text("post_hooks: []\n")  # no ruff formatting: not needed
    tool = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [str(tool), "generate", "--url", f"{devhost.base}/openapi.json", "--meta", "none",
         "--output-path", str(out / PACKAGE), "--config", str(out / "config.yaml"),
         "--fail-on-warning"],
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(out))
    try:
        modules = {m.rsplit(".", 1)[-1]: importlib.import_module(f"{PACKAGE}.{m}")
                   for m in MODULES}
        yield SimpleNamespace(package=importlib.import_module(PACKAGE), **modules)
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def client(gen: SimpleNamespace, base: str, tenant: str, role: str) -> Any:
    return gen.package.Client(base_url=base, raise_on_unexpected_status=True,
                              headers={"X-MS-CLIENT-PRINCIPAL": principal(tenant, role)})


def test_money_is_a_number_and_times_are_datetimes(gen):
    m = gen.models
    assert attrs.fields(m.AcceptRequest).deal_value.type == "float"
    assert attrs.fields(m.EditRequest).deal_value.type == "float | Unset"  # never null
    assert attrs.fields(m.DetailsOut).deal_value.type == "float | None"
    assert attrs.fields(m.ReferralOut).created_date_time.type == "datetime.datetime"


def _intake(gen: SimpleNamespace, intake: Any, tenant: str) -> Any:
    resp = gen.create_referral.sync_detailed(
        client=intake, body=gen.models.IntakeRequest.from_dict(intake_body(tenant)))
    assert resp.status_code == 201, resp.content
    ref = resp.parsed
    assert resp.headers["Location"].endswith(f"/referrals/{ref.id}")
    assert resp.headers["ETag"] == ref.e_tag and isinstance(ref.created_date_time, datetime)
    return ref


def _all_pages(gen: SimpleNamespace, admin: Any) -> list[str]:
    """Every referral id, one per page, following each page's continuation token."""
    ids: list[str] = []
    token: Any = gen.types.UNSET
    while True:
        page = gen.list_referrals.sync(client=admin, top=1, continuation_token=token)
        assert isinstance(page, gen.models.ReferralPage) and len(page.value) <= 1
        ids += [r.id for r in page.value]
        if not page.next_link:
            return ids
        token = parse_qs(urlsplit(page.next_link).query)["continuationToken"][0]


def _accept_and_edit(gen: SimpleNamespace, admin: Any, rid: str) -> Any:
    m = gen.models
    first = gen.get_referral.sync_detailed(rid, client=admin)
    assert first.status_code == 200 and first.headers["ETag"] == first.parsed.e_tag
    accepted = gen.accept_referral.sync(rid, client=admin, body=m.AcceptRequest(
        name="Fabrikam migration", deal_value=25000.5, currency="EUR",
        closing_date=date(2099, 12, 31), team=[m.TeamMember.from_dict(member_body())]))
    assert (accepted.status, accepted.substatus) == ("Active", "Accepted")
    assert accepted.details.deal_value == 25000.5
    # The If-Match parameter reaches the app: the ETag from before the accept is stale.
    stale = gen.edit_referral.sync(rid, client=admin, if_match=first.parsed.e_tag,
                                   body=m.EditRequest(deal_value=1.0))
    assert isinstance(stale, m.ErrorEnvelope) and stale.error.code == "preconditionFailed"
    current = gen.get_referral.sync_detailed(rid, client=admin).headers["ETag"]
    edited = gen.edit_referral.sync(rid, client=admin, if_match=current,
                                    body=m.EditRequest(deal_value=30000.25, campaign_id="C-9"))
    assert isinstance(edited, m.ReferralOut), edited
    assert (edited.details.deal_value, edited.campaign_id) == (30000.25, "C-9")
    return edited


def test_a_lead_from_intake_to_won_and_another_declined(gen, devhost):
    m, tenant = gen.models, new_tenant()
    admin = client(gen, devhost.base, tenant, ADMIN)
    intake = client(gen, devhost.base, "microsoft-systems", INTAKE)
    profile = gen.put_profile.sync(client=admin, body=m.ProfileInput.from_dict(profile_body()))
    assert isinstance(profile, m.ProfileOut) and profile.company_name == "Contoso Cloud"
    assert profile.marketplace_endpoint is None  # no marketplace lead URL yet

    lead, other = _intake(gen, intake, tenant), _intake(gen, intake, tenant)
    assert _all_pages(gen, admin) == [other.id, lead.id]  # newest first, one per page

    _accept_and_edit(gen, admin, lead.id)
    team = gen.add_team_member.sync(lead.id, client=admin, body=m.TeamMember.from_dict(
        member_body("ada@contoso.example")))
    assert len(team.team) == 2
    assert gen.favorite_referral.sync(lead.id, client=admin).favorite is True
    won = gen.win_referral.sync(lead.id, client=admin, body=m.WinRequest(notes="Signed"))
    assert (won.status, won.substatus, won.closing_notes) == ("Closed", "Won", "Signed")
    assert isinstance(won.closed_date_time, datetime)

    declined = gen.decline_referral.sync(other.id, client=admin, body=m.DeclineRequest(
        reason=m.DeclineReason.NOTAFIT, notes="Outside our region"))
    assert (declined.substatus, declined.status_reason) == ("Declined", "NotAFit")

    figures = gen.get_insights.sync(client=admin)
    assert (figures.won, figures.declined, figures.win_rate) == (1, 1, 1.0)
    assert figures.received == 0  # none is still waiting for an answer
