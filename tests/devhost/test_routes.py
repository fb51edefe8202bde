"""Route template parsing and matching (ASP.NET / Functions host rules)."""

from __future__ import annotations

import logging

import pytest

from devhost import DevhostError
from devhost.routes import Route, RouteTable


def table(*templates, methods=None):
    return RouteTable(Route(t, methods, t) for t in templates)


def resolve(tbl, path, method="GET"):
    found = tbl.resolve(method, path)
    return None if found is None else (found[0].target, found[1])


def test_parameters_are_captured():
    tbl = table("api/referrals/{id}")
    assert resolve(tbl, "/api/referrals/r-1") == ("api/referrals/{id}", {"id": "r-1"})


def test_literal_segments_are_case_insensitive_values_keep_case():
    tbl = table("api/Referrals/{id}")
    assert resolve(tbl, "/API/referrals/AbC") == ("api/Referrals/{id}", {"id": "AbC"})


def test_segment_count_must_match():
    tbl = table("api/referrals/{id}")
    assert resolve(tbl, "/api/referrals") is None
    assert resolve(tbl, "/api/referrals/1/extra") is None
    assert resolve(tbl, "/other/referrals/1") is None


def test_trailing_slash_and_percent_decoding():
    tbl = table("api/profiles/{name}")
    assert resolve(tbl, "/api/profiles/Ada%20Lovelace/") == (
        "api/profiles/{name}",
        {"name": "Ada Lovelace"},
    )
    # An encoded slash stays inside its segment.
    assert resolve(tbl, "/api/profiles/a%2Fb") == ("api/profiles/{name}", {"name": "a/b"})


@pytest.mark.parametrize("order", [1, -1])
def test_literal_beats_parameter_whatever_the_registration_order(order):
    templates = [
        "api/referrals/{id}",
        "api/referrals/summary",
        "api/referrals/{id}/accept",
        "api/referrals/{id}/{action}",
    ][::order]
    tbl = table(*templates)
    assert resolve(tbl, "/api/referrals/summary")[0] == "api/referrals/summary"
    assert resolve(tbl, "/api/referrals/r1")[0] == "api/referrals/{id}"
    assert resolve(tbl, "/api/referrals/r1/accept") == ("api/referrals/{id}/accept", {"id": "r1"})
    assert resolve(tbl, "/api/referrals/r1/decline") == (
        "api/referrals/{id}/{action}",
        {"id": "r1", "action": "decline"},
    )


def test_earlier_literal_segment_outranks_later_one():
    tbl = table("{a}/x", "x/{b}")
    assert resolve(tbl, "/x/x") == ("x/{b}", {"b": "x"})


@pytest.mark.parametrize(
    ("template", "good", "bad"),
    [
        ("items/{id:int}", ["1", "-12", "2147483647"], ["abc", "1.5", "2147483648"]),
        ("items/{id:long}", ["9223372036854775807"], ["x"]),
        ("items/{id:alpha}", ["abc", "ABC"], ["abc1", "é"]),
        ("items/{id:bool}", ["true", "False"], ["yes"]),
        (
            "items/{id:guid}",
            ["0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5bd9cb469fa16570867728950e"],
            ["0f8fad5b-d9cb", "not-a-guid"],
        ),
        ("items/{id:double}", ["1.5", "-2", "3e4"], ["1.5.5", "x"]),
        ("items/{id:min(10)}", ["10", "99"], ["9"]),
        ("items/{id:max(10)}", ["10", "-5"], ["11"]),
        ("items/{id:range(1,3)}", ["1", "3"], ["0", "4"]),
        ("items/{id:length(2)}", ["ab"], ["a", "abc"]),
        ("items/{id:length(1,2)}", ["a", "ab"], ["abc"]),
        ("items/{id:minlength(2)}", ["ab", "abc"], ["a"]),
        ("items/{id:maxlength(2)}", ["a", "ab"], ["abc"]),
        ("items/{id:int:range(1,5)}", ["5"], ["6", "x"]),
    ],
)
def test_constraints(template, good, bad):
    tbl = table(template)
    for value in good:
        assert resolve(tbl, f"/items/{value}") == (template, {"id": value}), value
    for value in bad:
        assert resolve(tbl, f"/items/{value}") is None, value


def test_constrained_parameter_beats_unconstrained():
    tbl = table("items/{name}", "items/{id:int}")
    assert resolve(tbl, "/items/5")[0] == "items/{id:int}"
    assert resolve(tbl, "/items/five")[0] == "items/{name}"


def test_unknown_constraint_is_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="devhost"):
        tbl = table("items/{id:datetime}")
    assert resolve(tbl, "/items/anything") == ("items/{id:datetime}", {"id": "anything"})
    assert "not supported" in caplog.text


def test_optional_parameter_may_be_absent():
    tbl = table("echo/{id:int}/{name?}")
    assert resolve(tbl, "/echo/1/bob") == ("echo/{id:int}/{name?}", {"id": "1", "name": "bob"})
    assert resolve(tbl, "/echo/1") == ("echo/{id:int}/{name?}", {"id": "1"})
    assert resolve(tbl, "/echo") is None


def test_default_value_fills_absent_parameter():
    tbl = table("pages/{page=1}")
    assert resolve(tbl, "/pages") == ("pages/{page=1}", {"page": "1"})
    assert resolve(tbl, "/pages/4") == ("pages/{page=1}", {"page": "4"})


def test_catch_all_takes_the_rest():
    tbl = table("files/{*path}", "files/readme")
    assert resolve(tbl, "/files/a/b/c.txt") == ("files/{*path}", {"path": "a/b/c.txt"})
    assert resolve(tbl, "/files/readme")[0] == "files/readme"
    assert resolve(tbl, "/files") == ("files/{*path}", {})


def test_complex_segment():
    tbl = table("files/{name}.{ext}")
    assert resolve(tbl, "/files/report.final.pdf") == (
        "files/{name}.{ext}",
        {"name": "report.final", "ext": "pdf"},
    )
    assert resolve(tbl, "/files/noext") is None


def test_empty_template_matches_root_only():
    tbl = table("")
    assert resolve(tbl, "/") == ("", {})
    assert resolve(tbl, "/x") is None


def test_methods_filter_routes():
    tbl = RouteTable(
        [
            Route("api/referrals", frozenset({"GET"}), "list"),
            Route("api/referrals", frozenset({"POST"}), "create"),
            Route("api/health", None, "health"),
        ]
    )
    assert resolve(tbl, "/api/referrals", "GET")[0] == "list"
    assert resolve(tbl, "/api/referrals", "post")[0] == "create"
    assert resolve(tbl, "/api/referrals", "DELETE") is None
    assert resolve(tbl, "/api/health", "PATCH")[0] == "health"


def test_same_template_and_method_is_ambiguous():
    with pytest.raises(DevhostError, match="ambiguous"):
        RouteTable(
            [
                Route("api/referrals/{id}", frozenset({"GET"}), "a"),
                Route("api/Referrals/{key}", frozenset({"GET", "PUT"}), "b"),
            ]
        )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("a/{id?}/b", "optional parameter must come last"),
        ("a/{*rest}/b", "catch-all must be the last segment"),
        ("a/{1bad}", "bad parameter name"),
    ],
)
def test_invalid_templates(template, message):
    with pytest.raises(DevhostError, match=message):
        table(template)
