"""How the timers cut a due index into queue messages, and the message format."""

import json

import pytest

from shared.services.fanout import MAX_ENTRIES, TARGET_ENTRIES, fan_out
from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepKind
from shared.storage.tables.sweep_queue import decode_batch, encode_batch
from tests.support.memory_app import MemoryApp


def rows(partner: str, n: int, partition: str = "20261116") -> list[DueEntry]:
    return [DueEntry(partner, f"r{k:013d}abcdefghjk", partition) for k in range(n)]


def batches_of(entries: list[DueEntry]) -> list[SweepBatch]:
    app = MemoryApp()
    fanned = fan_out(app.ctx, SweepKind.EXPIRE, entries)
    batches = app.batches.take()
    assert (fanned.entries, fanned.batches) == (len(entries), len(batches))
    return batches


def test_one_partner_is_cut_only_at_the_hard_limit():
    batches = batches_of(rows("big", MAX_ENTRIES + 20))
    assert [len(b.entries) for b in batches] == [MAX_ENTRIES, 20]


def test_batches_close_at_a_partner_boundary_once_large_enough():
    entries = rows("a", 30) + rows("b", 30) + rows("c", 5)
    assert [len(b.entries) for b in batches_of(entries)] == [60, 5]
    small = [e for p in "abcdefghij" for e in rows(p, 3)]
    assert all(len(b.entries) <= TARGET_ENTRIES + 3 for b in batches_of(small))


def test_a_partners_rows_from_two_days_are_read_together():
    # The index lists day by day; within a batch one partner's rows become adjacent.
    entries = rows("a", 2, "20261115") + rows("b", 2, "20261115") + rows("a", 2, "20261116")
    [batch] = batches_of(entries)
    assert [e.partner_id for e in batch.entries] == ["a"] * 4 + ["b"] * 2
    assert sorted(batch.entries) == list(batch.entries)


def test_nothing_due_sends_nothing():
    assert batches_of([]) == []


def test_message_round_trip_and_size():
    batch = SweepBatch(SweepKind.REMIND, tuple(sorted(
        rows("p" * 64, MAX_ENTRIES // 2) + rows("q" * 64, MAX_ENTRIES // 2, "2026111609"))))
    text = encode_batch(batch)
    assert decode_batch(text) == batch
    assert len(text) * 4 / 3 < 64 * 1024 / 4  # base64 of the worst case: far below 64 KB


@pytest.mark.parametrize("text", [
    "", "{}", "[]", '{"kind": "explode", "groups": []}', '{"kind": "expire"}',
    '{"kind": "expire", "groups": [["p", [["r1"]]]]}',
    '{"kind": "expire", "groups": [["p", [["", "20261116"]]]]}',
    '{"kind": "expire", "groups": [[7, [["r1", "20261116"]]]]}',
])
def test_malformed_messages_are_refused(text):
    with pytest.raises(ValueError):
        decode_batch(text)


def test_message_is_compact_json():
    text = encode_batch(SweepBatch(SweepKind.EXPIRE, tuple(rows("a", 2))))
    assert json.loads(text)["groups"][0][0] == "a" and " " not in text
