"""The dashboard's first hour (issue 26): the detail pane's sections are reachable without
hidden scrolling (section links, a "More below" cue naming what is out of sight), insights
take a date range and say what they count, and on a phone insights are a compact strip."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from .conftest import PHONE, SHOTS, admin_user
from .helpers import open_lead, referral

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def worked_lead(seed) -> dict[str, Any]:
    """An accepted lead with a team and some history: a detail taller than the pane."""
    ref = referral(seed, "Tall Lead", deal_value=12_000)
    member = {"firstName": "Grace", "lastName": "Hopper", "email": "grace@contoso.example",
              "phoneNumber": "+31 20 555 0101"}
    assert seed.admin.post(f"/referrals/{ref['id']}/team", member).ok
    return ref


def in_view(page, selector: str) -> bool:
    """Whether the element's top is inside the detail pane's visible box."""
    return bool(page.evaluate("""(sel) => {
        const pane = document.getElementById('detail').getBoundingClientRect();
        const top = document.querySelector(sel).getBoundingClientRect().top;
        return top >= pane.top && top < pane.bottom; }""", selector))


def test_the_detail_pane_links_its_sections_and_says_what_is_below(open_page, seed):
    worked_lead(seed)
    page = open_page(admin_user(seed.tenant))
    page.get_by_label("Accepted", exact=True).check()
    open_lead(page, "Tall Lead")
    nav = page.get_by_role("navigation", name="Sections of this lead")
    for name in ("Customer", "Deal", "Team", "Activity", "Notifications"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    cue = page.locator("#detail .more-below")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text(re.compile(r"More below: .*Activity, Notifications"))
    assert not in_view(page, "#notifications-title")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the pane sticks in view
    expect(cue).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / "detail-pane-laptop.png"))

    nav.get_by_role("link", name="Notifications", exact=True).click()
    expect(page.locator("#notifications-title")).to_be_focused()
    page.wait_for_function("() => { const p = document.getElementById('detail');"
                           " return p.scrollTop + p.clientHeight >= p.scrollHeight - 2; }")
    assert in_view(page, "#notifications-title")
    expect(nav).to_be_visible()  # the links stay at the pane's top
    expect(cue).to_be_hidden()  # nothing left below
    page.screenshot(path=str(SHOTS / "detail-pane-scrolled.png"))

    page.evaluate("document.getElementById('detail').scrollTop = 0")
    expect(cue).to_be_visible()
    cue.click()  # goes to the first section out of sight
    expect(page.locator("#detail .part h3:focus")).to_have_count(1)


def test_insights_take_a_date_range_and_say_what_they_count(open_page, seed):
    referral(seed, "Range Received")
    referral(seed, "Range Accepted", deal_value=5_000)
    page = open_page(admin_user(seed.tenant))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/insights" in r.url else None)
    insights = page.locator("#insights")
    scope = page.locator("#insights-scope")
    expect(insights).to_contain_text("1 waiting for a response")
    expect(scope).to_have_text(re.compile("arrived at any time.*counted by where each is now"))

    range_ = page.get_by_role("form", name="Insights range")
    today = datetime.now(UTC).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    range_.get_by_label("From").fill(tomorrow)
    expect(insights).to_contain_text("0 waiting for a response")
    expect(insights).to_contain_text("0 accepted, still open")
    expect(scope).to_contain_text(f"arrived since {tomorrow}")
    assert f"from={tomorrow}" in asked[-1]

    range_.get_by_label("From").fill(today.isoformat())
    range_.get_by_label("To").fill(today.isoformat())
    expect(insights).to_contain_text("1 accepted, still open")
    expect(scope).to_contain_text(f"arrived from {today} to {today}")
    assert f"from={today}&to={today}" in asked[-1]

    range_.get_by_role("button", name="All time").click()
    expect(scope).to_contain_text("arrived at any time")
    expect(range_.get_by_label("From")).to_have_value("")
    assert "from=" not in asked[-1]


def test_on_a_phone_insights_are_a_compact_strip(open_page, seed):
    referral(seed, "Strip Lead", deal_value=7_500)
    page = open_page(admin_user(seed.tenant), viewport=PHONE)
    figures = page.locator("#insights")
    expect(figures).to_contain_text("Open pipeline")
    box = page.locator("section.insights").bounding_box()
    assert box and box["height"] < PHONE["height"] * 0.5, box  # the leads start on screen one
    strip = page.evaluate("(() => { const f = document.getElementById('insights');"
                          " return [f.scrollWidth > f.clientWidth, getComputedStyle(f).overflowX]; })()")
    assert strip == [True, "auto"]  # swiped sideways, not stacked
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.screenshot(path=str(SHOTS / "insights-phone.png"))
