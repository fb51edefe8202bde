"""The Partner Center connection's outside-facing adapters (contract section 9).

Pure functions and small classes with no Table Storage access, each named by role:

- ``oauth``: the Microsoft identity platform authorization-code flow with PKCE, code
  redemption and refresh, through MSAL for Python.
- ``client``: the Referrals API (``/v1.0/engagements/referrals``): the one OData query for
  import and sync, a single read with its eTag, and JSON Patch with ``If-Match``.
- ``ratelimit``: the per-partner request budget (``PARTNER_CENTER_MAX_RPS``).
- ``verification`` and ``certificates``: checking a Partner Center event's RSA signature and
  the certificate behind it before anything is read; ``events`` parses the thin body.
- ``mapping`` (Partner Center -> here) and ``reconcile`` (here -> Partner Center's JSON Patch).
- ``errors``: every named failure, for the one place that maps them to answers.
"""
