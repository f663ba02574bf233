"""The control layer every app stands on: events and outbox, audit, connectors, exceptions."""


def publish(*args, **kwargs):
    """`integrations.publish(...)`: see integrations.services.publish. Imported lazily so
    that importing the package never touches the app registry."""
    from integrations.services import publish as _publish

    return _publish(*args, **kwargs)
