"""The REST API's transport layer (issue 9): API keys, Bearer authentication and scopes,
RFC 9457 problem responses, idempotency keys, throttles, cursors, the OpenAPI schema and
docs. Endpoints of domain documents live in the owning app's `api/` package."""
