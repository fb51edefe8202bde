"""Cold start: importing the function app and indexing its functions, in a fresh process.

What the Python worker does at start: import ``function_app`` and index it
(``app.get_functions()``). Each sample is a fresh interpreter, interleaved:

* ``app``: ``import function_app; function_app.app.get_functions()``;
* ``deps`` (the baseline): importing only its third-party dependencies (azure.functions,
  pydantic, azure.data.tables, azure.storage.queue, requests);
* ``bare``: an interpreter that imports nothing, for scale;
* ``app_nopyc``: as ``app``, but with no bytecode cache for the project's own modules, so they
  are compiled on every start (as where the deployed package is read-only and ships no .pyc);
* ``app_otel``: as ``app`` with telemetry on: ``OTEL_EXPORTER_OTLP_ENDPOINT`` set (to an OTLP
  receiver in this process, tests/support/otlp.py), so the start also imports and configures
  the OpenTelemetry SDK and its OTLP exporter. Target: its import time <= 1.2x ``app``'s.

Bytecode caches live in a throwaway PYTHONPYCACHEPREFIX, written once before timing, so the
repo is not written to and every variant reads the same kind of cache.

Reported (medians): import time inside the process, the whole process's wall time, peak RSS
(ru_maxrss) and, in separate runs, tracemalloc's peak; app/deps for each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.otlp import OtlpReceiver

from .common import ROOT, Report, median, parse_args, ratio, rotated


@contextmanager
def receiver_closed(receiver: OtlpReceiver) -> Iterator[None]:
    try:
        yield
    finally:
        receiver.close()

VARIANTS = ("bare", "deps", "app", "app_otel", "app_nopyc")
TELEMETRY_TARGET = 1.2  # app_otel / app, import time
SIZES: dict[str, dict[str, Any]] = {
    "small": {"reps": 1, "traced_reps": 1, "warm": False, "variants": VARIANTS[:4]},
    "full": {"reps": 15, "traced_reps": 5, "warm": True, "variants": VARIANTS},
}
DEPENDENCIES = ("azure.functions", "pydantic", "azure.data.tables", "azure.storage.queue",
                "requests")

CHILD = r"""
import json, resource, sys, time, tracemalloc
variant, trace = sys.argv[1], sys.argv[2] == "1"
if trace:
    tracemalloc.start()
start = time.perf_counter()
functions = 0
if variant.startswith("app"):
    import function_app
    functions = len(function_app.app.get_functions())
elif variant == "deps":
    import azure.functions, pydantic, azure.data.tables, azure.storage.queue, requests
elapsed = time.perf_counter() - start
print(json.dumps({
    "import_s": elapsed,
    "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "traced_peak_kib": tracemalloc.get_traced_memory()[1] / 1024 if trace else None,
    "functions": functions,
    "modules": len(sys.modules),
}))
"""


class Caches:
    """Two bytecode cache folders: everything, and everything but the project's modules."""

    def __init__(self, folder: Path) -> None:
        self.full = folder / "full"
        self.no_project = folder / "no-project"
        for variant in ("deps", "app", "app_otel"):
            sample(variant, cache=self.full, write=True)
        shutil.copytree(self.full, self.no_project)
        shutil.rmtree(self.no_project / ROOT.relative_to(ROOT.anchor), ignore_errors=True)

    def for_variant(self, variant: str) -> Path:
        return self.no_project if variant == "app_nopyc" else self.full


# Where app_otel exports (set while sampling runs: see _sample_all).
OTLP_ENDPOINT: dict[str, str] = {}


def _env(cache: Path | None, write: bool, variant: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "OTEL_", "APPLICATIONINSIGHTS_"))}
    # function_app reads its settings at import (to set telemetry up): give it the local
    # storage the run path uses; nothing connects at import.
    env.setdefault("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    if variant == "app_otel":
        env.update(OTLP_ENDPOINT)
    if cache is not None:
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def sample(variant: str, traced: bool = False, cache: Path | None = None,
           write: bool = False) -> dict[str, Any]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, variant, "1" if traced else "0"],
                         cwd=ROOT, env=_env(cache, write, variant), capture_output=True, text=True,
                         timeout=120, check=False)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{variant} child failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def slowest_app_modules(cache: Path, limit: int = 8) -> list[dict[str, Any]]:
    """The app's own modules with the most self time under ``-X importtime`` (one run)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c",
         "import function_app; function_app.app.get_functions()"],
        cwd=ROOT, env=_env(cache, False), capture_output=True, text=True, timeout=120,
        check=False,
    )
    rows: list[dict[str, Any]] = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = [p.strip() for p in line[len("import time:"):].split("|")]
        if not parts[0].isdigit():
            continue
        name = parts[2]
        if name.startswith(("shared", "function_app")):
            rows.append({"module": name, "self_ms": int(parts[0]) / 1000,
                         "cumulative_ms": int(parts[1]) / 1000})
    return sorted(rows, key=lambda r: -r["self_ms"])[:limit]


Samples = dict[str, list[dict[str, Any]]]  # variant -> one dict per run


def _sample_all(size: dict[str, Any], variants: Sequence[str]
                ) -> tuple[Samples, Samples, list[dict[str, Any]]]:
    """(plain runs, tracemalloc runs, the slowest app modules), variants rotated per rep."""
    plain: Samples = {v: [] for v in variants}
    traced: Samples = {v: [] for v in variants}
    receiver = OtlpReceiver()  # app_otel's exporter sends what it has at exit
    OTLP_ENDPOINT["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
    with receiver_closed(receiver), tempfile.TemporaryDirectory(prefix="bench-pycache-") as tmp:
        caches = Caches(Path(tmp))
        for variant in variants if size["warm"] else ():  # warm the OS page cache
            sample(variant, cache=caches.for_variant(variant))
        for rep in range(size["reps"]):
            for variant in rotated(variants, rep):
                plain[variant].append(sample(variant, cache=caches.for_variant(variant)))
        for rep in range(size["traced_reps"]):
            for variant in rotated(variants, rep):
                traced[variant].append(sample(variant, traced=True,
                                              cache=caches.for_variant(variant)))
        return plain, traced, slowest_app_modules(caches.full)


def _figures(plain: list[dict[str, Any]], traced: list[dict[str, Any]]) -> dict[str, Any]:
    def med(rows: list[dict[str, Any]], key: str) -> float:
        return median([row[key] for row in rows])

    return {
        "import_ms": round(med(plain, "import_s") * 1000, 1),
        "process_ms": round(med(plain, "wall_s") * 1000, 1),
        "maxrss_mib": round(med(plain, "maxrss_kib") / 1024, 1),
        "traced_peak_mib": round(med(traced, "traced_peak_kib") / 1024, 1),
        "modules": int(med(plain, "modules")),
        "functions": int(med(plain, "functions")),
    }


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("coldstart", __doc__.splitlines()[0], argv)
    size = SIZES[args.size]
    report = Report("coldstart", args.size, params={
        "repetitions": size["reps"], "tracemalloc_repetitions": size["traced_reps"],
        "baseline_imports": list(DEPENDENCIES),
    })
    variants: Sequence[str] = size["variants"]
    plain, traced, slowest = _sample_all(size, variants)
    figures = {v: _figures(plain[v], traced[v]) for v in variants}
    deps = figures["deps"]
    for variant in variants:
        found = figures[variant]
        report.add(variant=variant, **found,
                   import_ratio=ratio(found["import_ms"], deps["import_ms"]),
                   process_ratio=ratio(found["process_ms"], deps["process_ms"]),
                   maxrss_ratio=ratio(found["maxrss_mib"], deps["maxrss_mib"]),
                   traced_ratio=ratio(found["traced_peak_mib"], deps["traced_peak_mib"]))
    report.params["slowest_app_modules"] = slowest
    if "app_otel" in figures:
        report.target("import time, telemetry on/off (app_otel/app)", ratio(
            figures["app_otel"]["import_ms"], figures["app"]["import_ms"]), TELEMETRY_TARGET)
    report.notes.append(
        "ratios are against deps; app - deps is what the app's own modules (and the "
        "dependencies only they pull in) add at start"
    )
    return report.emit(["variant", "import_ms", "process_ms", "maxrss_mib", "traced_peak_mib",
                        "modules", "functions", "import_ratio", "process_ratio",
                        "maxrss_ratio", "traced_ratio"], args.json)


if __name__ == "__main__":
    run()
