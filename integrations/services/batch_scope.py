"""Work a batch of documents does once at its end instead of once per document (issue 17).

The EDI intake applies a batch of transaction sets in one transaction. The services each
set calls end by recomputing derived figures (the inbound positions, the inbound read
model) for what they touched; inside a batch those recomputations overlap (the same items,
warehouses and POs set after set), and each costs more than the set's own writes. The
intake therefore enters `batch_scope()` around the sets of a batch, inside the batch's
transaction; a service that knows how to recompute a union at once offers its work with
`defer_to_batch(...)`, and the scope runs each kind of work once, with the union of what
was offered, when the batch's sets are done — still inside the transaction, so the figures
are current when it commits. Outside a scope `defer_to_batch` returns False and the
service does its work at once, as always.

The scope lives here, below the domain apps, because `integrations` imports none of them
(DESIGN §2): the apps register their work into it at run time, the intake only opens and
closes it. A context variable (not a global) keeps a scope to the thread and task that
opened it: the intake's file reader thread, a concurrent request, a Celery task never see
another's batch.

A set rolled back to its savepoint leaves what it offered in the scope: the deferred work
must recompute from the documents (never apply deltas), so an extra key only costs a
recomputation that changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Work:
    order: int
    run: Callable[[set[Any]], object]
    keys: set[Any] = field(default_factory=set)


class BatchScope:
    """The work offered during one batch: per kind, the function and the union of keys."""

    def __init__(self) -> None:
        self._work: dict[str, _Work] = {}

    def defer(
        self,
        kind: str,
        keys: Iterable[Hashable],
        *,
        run: Callable[[set[Any]], object],
        order: int,
    ) -> None:
        work = self._work.setdefault(kind, _Work(order=order, run=run))
        work.keys.update(keys)

    def run(self) -> None:
        """Each kind once, in `order` (the lock order the kinds' owners document), with
        its union of keys."""
        for work in sorted(self._work.values(), key=lambda w: w.order):
            if work.keys:
                work.run(work.keys)
        self._work.clear()


_current: ContextVar[BatchScope | None] = ContextVar("integrations_batch_scope", default=None)


@contextmanager
def batch_scope() -> Iterator[None]:
    """Defer the offered work to the end of this block; run it there if the block ends
    normally (an exception leaves it undone: the caller's transaction rolls back). Call
    it inside the batch's transaction. A scope inside a scope joins the outer one."""
    if _current.get() is not None:
        yield
        return
    scope = BatchScope()
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)
    # Outside the scope: the deferred work's own calls to deferrable services (a
    # refresh calling a refresh) run at once instead of being collected again.
    scope.run()


def defer_to_batch(
    kind: str,
    keys: Iterable[Hashable],
    *,
    run: Callable[[set[Any]], object],
    order: int = 0,
) -> bool:
    """Offer `run(keys)` to the current batch: True when a batch scope took it (it will
    run once at the batch's end, with every key offered under `kind` during the batch),
    False when there is none and the caller must do the work now. Kinds run in ascending
    `order`."""
    scope = _current.get()
    if scope is None:
        return False
    scope.defer(kind, keys, run=run, order=order)
    return True
