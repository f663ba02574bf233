"""The control layer every app stands on: events and outbox, audit, connectors, exceptions."""
