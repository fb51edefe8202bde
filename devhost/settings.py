"""Settings the Functions host reads: local.settings.json, host.json, connection strings."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devhost import DevhostError

log = logging.getLogger("devhost")

# Azurite's well-known development account: public, documented by Microsoft.
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEV_CONNECTION_STRING = (
    f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
    f"BlobEndpoint=http://127.0.0.1:10000/{DEV_ACCOUNT};"
    f"QueueEndpoint=http://127.0.0.1:10001/{DEV_ACCOUNT};"
    f"TableEndpoint=http://127.0.0.1:10002/{DEV_ACCOUNT};"
)

ENV_VISIBILITY_TIMEOUT = "DEVHOST_QUEUE_VISIBILITY_TIMEOUT"
ENV_MAX_POLLING_INTERVAL = "DEVHOST_MAX_POLLING_INTERVAL"


@dataclass(frozen=True)
class QueueOptions:
    """host.json `extensions.queues`, in seconds, with devhost's env overrides applied."""

    max_dequeue_count: int = 5
    visibility_timeout: float = 0.0
    max_polling_interval: float = 60.0
    message_encoding: str = "base64"


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    queues: QueueOptions = QueueOptions()


@dataclass(frozen=True)
class LocalSettingsReport:
    applied: tuple[str, ...]
    skipped: tuple[str, ...]
    copied_from_sample: bool


def load_local_settings(
    script_root: Path, environ: MutableMapping[str, str] | None = None
) -> LocalSettingsReport:
    """Copy `Values` into the environment, leaving variables that are already set alone.

    Core Tools does the same: a real environment variable beats local.settings.json, so a
    test or a shell can override one setting without editing the file.
    """
    env = os.environ if environ is None else environ
    path = script_root / "local.settings.json"
    sample = script_root / "local.settings.sample.json"
    copied = False
    if not path.exists() and sample.exists():
        shutil.copyfile(sample, path)
        copied = True
    if not path.exists():
        return LocalSettingsReport((), (), copied)
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        raise DevhostError(f"cannot read {path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise DevhostError(f"{path}: expected a JSON object")
    if doc.get("IsEncrypted") is True:
        raise DevhostError(f"{path} is encrypted (IsEncrypted: true); devhost reads plain values")
    values = doc.get("Values")
    values = {} if values is None else values
    if not isinstance(values, dict):
        raise DevhostError(f"{path}: `Values` must be an object")
    applied: list[str] = []
    skipped: list[str] = []
    for key, value in values.items():
        if key in env:
            skipped.append(key)
            continue
        env[key] = value if isinstance(value, str) else json.dumps(value)
        applied.append(key)
    return LocalSettingsReport(tuple(applied), tuple(skipped), copied)


_SETTING_REF = re.compile(r"%([^%]+)%")


def resolve_setting_refs(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace `%NAME%` with the app setting NAME, as the host does for binding properties."""
    env = os.environ if environ is None else environ

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise DevhostError(f"'%{name}%' does not resolve to a value (no setting {name})")
        return env[name]

    return _SETTING_REF.sub(lookup, text)


def storage_connection_string(
    connection: str | None, environ: Mapping[str, str] | None = None
) -> str:
    """The connection string a binding's `connection` names.

    The host looks up `AzureWebJobs<name>` first and then `<name>`, so both
    `connection="AzureWebJobsStorage"` and `connection="Storage"` name the same setting.
    """
    env = os.environ if environ is None else environ
    name = connection or "AzureWebJobsStorage"
    for candidate in (f"AzureWebJobs{name}", name):
        value = env.get(candidate)
        if value:
            return expand_development_storage(value)
    raise DevhostError(
        f"missing connection string: set {name} (in local.settings.json or the environment); "
        "queue triggers need storage, e.g. UseDevelopmentStorage=true with Azurite running"
    )


def expand_development_storage(connection_string: str) -> str:
    """Spell `UseDevelopmentStorage=true` out as Azurite's default endpoints."""
    parts = dict(
        p.split("=", 1) for p in connection_string.strip().rstrip(";").split(";") if "=" in p
    )
    flags = {k.strip().lower(): v.strip().lower() for k, v in parts.items()}
    if flags.get("usedevelopmentstorage") == "true":
        return DEV_CONNECTION_STRING
    return connection_string


_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d+):(\d+)(?::(\d+(?:\.\d+)?))?$")


def parse_timespan(text: str) -> float:
    """Seconds in a .NET TimeSpan string as host.json writes them: `[d.]hh:mm[:ss[.fff]]`."""
    match = _TIMESPAN.match(text.strip())
    if not match:
        raise DevhostError(f"not a TimeSpan (expected hh:mm:ss): {text!r}")
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds or 0)


def load_host_config(script_root: Path, environ: Mapping[str, str] | None = None) -> HostConfig:
    env = os.environ if environ is None else environ
    path = script_root / "host.json"
    doc: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise DevhostError(f"cannot read {path}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise DevhostError(f"{path}: expected a JSON object")
        doc = loaded
    extensions = doc.get("extensions") or {}
    http = extensions.get("http") or {}
    queues = extensions.get("queues") or {}
    prefix = http.get("routePrefix", "api")
    if not isinstance(prefix, str):
        raise DevhostError("host.json extensions.http.routePrefix must be a string")

    encoding = str(queues.get("messageEncoding", "base64")).lower()
    if encoding not in ("base64", "none"):
        raise DevhostError(f"host.json messageEncoding must be base64 or none, not {encoding!r}")
    visibility = parse_timespan(str(queues.get("visibilityTimeout", "00:00:00")))
    max_poll = parse_timespan(str(queues.get("maxPollingInterval", "00:01:00")))
    # The overrides exist so tests need not wait the production retry delay or poll interval.
    visibility = _env_seconds(env, ENV_VISIBILITY_TIMEOUT, visibility)
    max_poll = _env_seconds(env, ENV_MAX_POLLING_INTERVAL, max_poll)
    options = QueueOptions(
        max_dequeue_count=int(queues.get("maxDequeueCount", 5)),
        visibility_timeout=visibility,
        max_polling_interval=max(max_poll, 0.1),
        message_encoding=encoding,
    )
    return HostConfig(route_prefix=prefix.strip("/"), queues=options)


def _env_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise DevhostError(f"{name} must be a number of seconds, not {raw!r}") from exc
    if value < 0:
        raise DevhostError(f"{name} must not be negative")
    return value
