"""Benchmarks against Azurite: `python -m bench.<name> [--size small|full] [--json PATH]`.

Scripts, not tests: each starts its own Azurite (and devhost where it drives HTTP), measures
the app next to a baseline taken in the same run, prints a table and a JSON report, and
stops what it started. See bench/README.md.
"""
