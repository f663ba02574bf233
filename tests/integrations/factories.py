import factory

from integrations.models import Connector


class ConnectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connector
        django_get_or_create = ("name",)

    kind = "webhook"
    name = factory.Sequence(lambda n: f"sink-{n}")
    label = "test receiver"
    config = factory.LazyFunction(lambda: {"url": "http://127.0.0.1:9/events"})
    event_types = factory.LazyFunction(lambda: ["purchase_order.*", "asn.*"])
    owner_team = "Integration team"
    change_window = "Sun 02:00-04:00 UTC"
    backoff_base_seconds = 0.01
    backoff_cap_seconds = 0.05
    timeout_seconds = 2.0
    lease_seconds = 30
