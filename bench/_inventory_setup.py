"""Shared set-up of the inventory benchmarks: Django on PostgreSQL (DATABASE_URL, default
the portal_bench database, created and migrated when missing) and N items made by one SQL
statement."""

import contextlib
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DEBUG", "false")  # no query log: measured as in production
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")


def setup() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("The inventory benchmarks measure PostgreSQL: set DATABASE_URL=postgres://…")
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_items(count: int) -> None:
    """Items BENCH-0000001 … in EA, and a global 1 CS = 12 EA, made set-based."""
    from django.db import connection

    from inventory.models import Item, UnitOfMeasure, UomConversion

    each, _ = UnitOfMeasure.objects.get_or_create(code="EA", defaults={"name": "Each"})
    case, _ = UnitOfMeasure.objects.get_or_create(code="CS", defaults={"name": "Case"})
    UomConversion.objects.get_or_create(
        item=None, from_uom=case, to_uom=each, defaults={"factor": 12}
    )
    # Only this bench's numbered items: the EDI bench's BENCH-EDI-… share the prefix.
    have = Item.objects.filter(sku__regex=r"^BENCH-[0-9]+$").count()
    if have >= count:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Item._meta.db_table}
                (sku, description, base_uom_id, item_class, is_serialized, is_active, erp_id)
            SELECT 'BENCH-' || lpad(n::text, 7, '0'), 'Bench item ' || n, %s,
                   CASE n %% 3 WHEN 0 THEN 'A' WHEN 1 THEN 'B' ELSE 'C' END, false, true, ''
            FROM generate_series(%s, %s) AS n""",
            [each.pk, have + 1, count],
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Item._meta.db_table}")


def peak_memory_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_reset() -> None:
    """Start a new high-water mark of this process's resident memory (Linux ≥ 4.0:
    writing 5 to clear_refs), so that `peak_since_reset_mib` measures one step alone —
    the product's runs, not the benchmark's own set-up before them (the ORM delete of
    the previous size's cases, say). Without /proc it does nothing."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_since_reset_mib() -> float:
    """The resident high-water mark since `peak_reset` (VmHWM), in MiB; the process's
    whole peak where /proc is missing."""
    with contextlib.suppress(OSError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return peak_memory_mib()
