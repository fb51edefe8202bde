"""JSON Patch (RFC 6902) as the Referrals API takes it: "Update a lead or opportunity" says
the API supports only the ``replace`` and ``add`` operations (``add /team/-`` appends a
member), with ``If-Match`` for concurrency. Other operations are refused with 400, as are
paths to fields Partner Center sets itself, and status/substatus pairs outside the
transition table of "Create a referral" (New: Pending, Received; Active: Accepted, Engaged;
Closed: Won, Lost, Declined, Expired; a closed referral stays closed, an active one does not
go back to New)."""

from __future__ import annotations

import copy
from typing import Any

SUPPORTED_OPS = ("replace", "add")
READ_ONLY = {"id", "engagementId", "organizationId", "organizationName", "createdDateTime",
             "updatedDateTime", "eTag", "direction", "links", "type"}
SUBSTATUSES = {"New": {"Pending", "Received"}, "Active": {"Accepted", "Engaged"},
               "Closed": {"Won", "Lost", "Declined", "Expired"}}
TRANSITIONS = {"New": {"New", "Active", "Closed"}, "Active": {"Active", "Closed"},
               "Closed": {"Closed"}}


class PatchError(ValueError):
    """The patch is refused (400) with this code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise PatchError("InvalidPath", f"not a JSON pointer: {path!r}")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]
    if parts[0] in READ_ONLY:
        raise PatchError("ReadOnlyField", f"/{parts[0]} cannot be changed")
    return parts


def _index(container: list[Any], token: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or int(token) > len(container) - (0 if allow_end else 1):
        raise PatchError("InvalidPath", f"no array index {token!r}")
    return int(token)


def _parent(document: Any, parts: list[str]) -> Any:
    node = document
    for token in parts[:-1]:
        if isinstance(node, dict) and isinstance(node.get(token), dict | list):
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, allow_end=False)]
        else:
            raise PatchError("InvalidPath", f"no such path element {token!r}")
    return node


def _apply_one(document: dict[str, Any], operation: Any) -> None:
    if not isinstance(operation, dict) or "op" not in operation:
        raise PatchError("InvalidPatch", "each operation needs an op")
    op = operation["op"]
    if op not in SUPPORTED_OPS:
        raise PatchError("UnsupportedOperation",
                         f"operation {op!r} is not supported: only replace and add")
    if "value" not in operation:
        raise PatchError("InvalidPatch", f"{op} needs a value")
    parts = _pointer(operation.get("path"))
    parent, last, value = _parent(document, parts), parts[-1], copy.deepcopy(operation["value"])
    if isinstance(parent, list):
        if op == "add":
            parent.insert(_index(parent, last, allow_end=True), value)
        else:
            parent[_index(parent, last, allow_end=False)] = value
    elif isinstance(parent, dict):
        if op == "replace" and last not in parent:
            raise PatchError("InvalidPath", f"replace of a missing member {last!r}")
        parent[last] = value
    else:
        raise PatchError("InvalidPath", "the path's parent is not an object or array")


def check_status(before: dict[str, Any], after: dict[str, Any]) -> None:
    status, substatus = after.get("status"), after.get("substatus")
    if status not in SUBSTATUSES or substatus not in SUBSTATUSES[status]:
        raise PatchError("InvalidStatus", f"{status}/{substatus} is not a valid status pair")
    if status not in TRANSITIONS.get(before.get("status", "New"), set()):
        raise PatchError("InvalidStatusTransition",
                         f"a referral cannot go from {before.get('status')} to {status}")


def apply_patch(referral: dict[str, Any], operations: Any) -> dict[str, Any]:
    """The referral after ``operations`` (all or nothing); PatchError when refused."""
    if not isinstance(operations, list) or not operations:
        raise PatchError("InvalidPatch", "the body must be a non-empty JSON Patch array")
    result = copy.deepcopy(referral)
    for operation in operations:
        _apply_one(result, operation)
    check_status(referral, result)
    return result
