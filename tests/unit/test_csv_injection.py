"""The export read the way spreadsheets read it (issue 27 item 3): with our comma, with ``;``
(Excel where the decimal mark is a comma), with tabs, and split naively, no cell may start
with a formula character once leading spaces, controls, zero-width characters and quotes are
skipped; read properly, every value is still there (only ``'`` added)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import operations as ops
from shared.domain.commands import IntakeRequest
from shared.http.csv_export import HEADER, to_csv
from shared.storage.ports import Stored
from tests.support.factories import intake_body

HOSTILE = [
    "a;=1+1;b", "a,=1+1,b", "a\t=1+1\tb", " =1+1", "\u00a0=1+1", "\u200b=1+1", "\ufeff@SUM(1)",
    "\x00=1", "\x1f+1", "\t=1", "\r=1", "x\n=1", '"=1', "\uff1dcmd", "-2+3", "+1", "@A1",
    "=HYPERLINK(\"http://x\")", "Contoso; Ltd", "a;;=1",
]
FORMULA = set("=+-@\uff1d\uff0b\uff0d\uff20")


def referrals(values: list[str]) -> list[Stored]:
    body = json.dumps(intake_body("p1"))
    out = []
    for i, value in enumerate(values):
        referral, _ = ops.receive(IntakeRequest.model_validate_json(body), f"r{i}",
                                  datetime(2026, 11, 2, tzinfo=UTC), timedelta(days=14))
        profile = referral.customer_profile.model_copy(update={"name": value})
        out.append(Stored(referral.model_copy(update={
            "customer_profile": profile, "name": value, "external_reference_id": value,
            "campaign_id": value}), "etag"))
    return out


def starts_a_formula(cell: str) -> bool:
    visible = [c for c in cell if c != '"' and not c.isspace()
               and unicodedata.category(c) not in {"Cc", "Cf", "Zs", "Zl", "Zp"}]
    return bool(visible) and visible[0] in FORMULA


def readings(text: str) -> dict[str, list[str]]:
    """Every cell as each kind of reader gets it."""
    cells = {f"csv {d!r}": [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=d) for c in row]
             for d in (",", ";", "\t")}
    for d in (",", ";", "\t", "\n", "\r"):
        cells[f"split {d!r}"] = text.split(d)
    return cells


@pytest.fixture(scope="module")
def export() -> str:
    return to_csv(referrals(HOSTILE))


@pytest.mark.parametrize("reader", ["csv ','", "csv ';'", "csv '\\t'", "split ','",
                                    "split ';'", "split '\\t'", "split '\\n'", "split '\\r'"])
def test_no_reading_yields_a_formula_cell(export, reader):
    found = [c for c in readings(export)[reader] if starts_a_formula(c)]
    assert not found, f"{reader} reads formula cells {found[:5]}"


def test_every_text_cell_is_quoted_and_every_value_kept(export):
    lines = export.split("\r\n")
    assert lines[0] == ",".join(HEADER)
    rows = list(csv.reader(io.StringIO(export, newline="")))[1:]
    assert len(rows) == len(HOSTILE)
    column = {name: HEADER.index(name) for name in
              ("customerName", "dealName", "externalReferenceId", "campaignId")}
    for row, value in zip(rows, HOSTILE, strict=True):
        for index in column.values():
            assert row[index].replace("'", "") == value.replace("'", "")
    body = export.split("\r\n", 1)[1]
    assert body.startswith('"r0","') and '"Contoso; Ltd"' in body  # quoted, plain kept
