"""Partner Center's outside APIs, as Microsoft documents them: the identity platform (MSAL,
PKCE), the Referrals API client, event verification, and the field mapping both ways. No
storage here: the use cases one folder up build on these."""
