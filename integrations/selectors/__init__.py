"""Reads of the integration layer, one module per concept, re-exported here:
`from integrations import selectors`."""

from integrations.selectors.api_keys import (
    api_keys_for_supplier,
    get_api_key_for_supplier,
    get_internal_api_key,
    internal_api_keys,
)
from integrations.selectors.deliveries import (
    SLO_WINDOW,
    CatalogEntry,
    ConnectorHealth,
    DeliveryFilters,
    audit_entries_for,
    catalog,
    connectors_with_health,
    deliveries_for_aggregate,
    deliveries_list,
    delivery_attempts,
    event_types,
    get_delivery,
)
from integrations.selectors.exception_list import ExceptionPageSource, exception_page_source
from integrations.selectors.exceptions import (
    AGE_BUCKETS,
    exception_cases,
    exception_cases_for_supplier,
    get_exception_case,
    open_by_class_and_age,
    resolution_times,
)
from integrations.selectors.retention import PurgeRun, TableSize, last_purge, table_sizes

__all__ = [
    "AGE_BUCKETS",
    "SLO_WINDOW",
    "CatalogEntry",
    "ConnectorHealth",
    "DeliveryFilters",
    "ExceptionPageSource",
    "PurgeRun",
    "TableSize",
    "api_keys_for_supplier",
    "audit_entries_for",
    "catalog",
    "connectors_with_health",
    "deliveries_for_aggregate",
    "deliveries_list",
    "delivery_attempts",
    "event_types",
    "exception_cases",
    "exception_cases_for_supplier",
    "exception_page_source",
    "get_api_key_for_supplier",
    "get_delivery",
    "get_exception_case",
    "get_internal_api_key",
    "internal_api_keys",
    "last_purge",
    "open_by_class_and_age",
    "resolution_times",
    "table_sizes",
]
