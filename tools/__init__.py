"""Developer commands (not deployed with the function app)."""
