"""The OpenAPI 3.1 document (document.py, built from the route table and the pydantic models),
its ``webhooks`` section (webhooks.py) and the route that serves it (route.py)."""
