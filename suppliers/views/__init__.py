"""HTMX pages of the suppliers app, one module per concept."""
