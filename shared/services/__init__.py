"""Use cases: load -> domain -> save -> dispatch events. No HTTP and no Azure SDK here."""
