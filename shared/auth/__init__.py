"""Who is calling: the App Service principal (Easy Auth) or an Entra ID bearer token, turned
into a ``Caller`` with a tenant and roles (principals.py); Entra token validation and its
signing-key cache (entra.py); the named failures the HTTP edge maps to 401/403/503
(errors.py)."""
