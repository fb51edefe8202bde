"""The pure domain: models, the life-cycle table, events, errors. No I/O, no clock, no Azure."""
