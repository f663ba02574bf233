"""Keeping the PO lists' cached counts exact: every writer of a purchase order's status,
supplier, `ack_due_at` or existence replaces the versions they are kept under
(`suppliers.selectors.purchase_order_counts`, `integrations.versioned_counts`), at once and
again on commit.

Who calls what: a PO saved or deleted one at a time (the lifecycle's `move`, PO create,
revise and cancel, the ERP and EDI imports, the admin) is seen by the `post_save` /
`post_delete` receivers below, and a supplier change also by `pre_save` (the old
supplier's counts change too); a set-based move (`Lifecycle.move_many`) calls
`purchase_orders_moved` with its rows; bulk loads that bypass the ORM's signals (the demo
seed's COPY, the benchmarks' `bulk_create` fills) call `purchase_orders_changed` with the
suppliers they wrote for, or with None for every supplier.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save

from suppliers.models import PurchaseOrder, Supplier
from suppliers.selectors.purchase_order_counts import ALL_SCOPE, PO_COUNTS, supplier_scope


def purchase_orders_changed(supplier_ids: Iterable[int] | None) -> None:
    """POs of these suppliers were written (None: of any supplier, and suppliers too, e.g.
    after a bulk load): their counts, and what is kept of every PO, are obsolete."""
    if PO_COUNTS.cache_seconds() <= 0:
        return
    if supplier_ids is None:
        supplier_ids = Supplier.objects.values_list("pk", flat=True)
    PO_COUNTS.changed([ALL_SCOPE, *(supplier_scope(pk) for pk in supplier_ids)])


def purchase_orders_moved(rows: Sequence[Any]) -> None:
    """`Lifecycle.move_many` moved these POs (an UPDATE: no signal)."""
    purchase_orders_changed({row.supplier_id for row in rows})


def _saved(sender: type[PurchaseOrder], instance: PurchaseOrder, **kwargs: Any) -> None:
    purchase_orders_changed([instance.supplier_id])


def _moving_supplier(
    sender: type[PurchaseOrder],
    instance: PurchaseOrder,
    update_fields: Iterable[str] | None = None,
    **kwargs: Any,
) -> None:
    """A saved PO may change supplier (the admin): the old supplier's counts change too.
    Only a save that may write the supplier reads the stored one."""
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not {"supplier", "supplier_id"} & set(update_fields):
        return
    if PO_COUNTS.cache_seconds() <= 0:
        return
    stored = (
        PurchaseOrder.objects.filter(pk=instance.pk).values_list("supplier_id", flat=True).first()
    )
    if stored is not None and stored != instance.supplier_id:
        purchase_orders_changed([stored])


def _supplier_written(sender: type[Supplier], instance: Supplier, **kwargs: Any) -> None:
    """A supplier saved or deleted: the supplier filter's options change, and the buyer's
    list counts by supplier code may."""
    if PO_COUNTS.cache_seconds() > 0:
        PO_COUNTS.changed([ALL_SCOPE])


pre_save.connect(_moving_supplier, sender=PurchaseOrder, dispatch_uid="po_counts.supplier")
post_save.connect(_saved, sender=PurchaseOrder, dispatch_uid="po_counts.save")
post_delete.connect(_saved, sender=PurchaseOrder, dispatch_uid="po_counts.delete")
post_save.connect(_supplier_written, sender=Supplier, dispatch_uid="po_counts.supplier_save")
post_delete.connect(_supplier_written, sender=Supplier, dispatch_uid="po_counts.supplier_delete")
