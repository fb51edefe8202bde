"""The per-partner request budget (shared/partner_center/ratelimit.py) on a fake clock."""

import pytest

from shared.partner_center.api.ratelimit import TokenBucket


class Clock:
    def __init__(self):
        self.now, self.sleeps = 100.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def test_requests_are_spaced_so_no_second_sees_more_than_the_rate():
    clock = Clock()
    bucket = TokenBucket(5, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(11):
        bucket.acquire("contoso")
        times.append(clock.now)
    assert clock.sleeps == [0.2] * 10
    assert all(sum(1 for t in times if start <= t < start + 1) <= 5 for start in times)


def test_partners_have_their_own_budgets():
    clock = Clock()
    bucket = TokenBucket(1, clock=clock, sleep=clock.sleep)
    bucket.acquire("contoso")
    bucket.acquire("fabrikam")
    assert clock.sleeps == []
    bucket.acquire("contoso")
    assert clock.sleeps == [1.0]


def test_a_burst_goes_out_at_once_then_settles_to_the_rate():
    clock = Clock()
    bucket = TokenBucket(2, burst=3, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        bucket.acquire("contoso")
    assert clock.sleeps == [0.5]


def test_nonsense_budgets_are_refused():
    with pytest.raises(ValueError):
        TokenBucket(0)
    with pytest.raises(ValueError):
        TokenBucket(5, burst=0.5)
