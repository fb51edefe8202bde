"""The referrals application package (the design card's `shared/`)."""
