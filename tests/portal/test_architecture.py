"""The house rules that keep the code readable at a glance, checked on the source itself:
one layout inside every app, no module past 600 lines, no import hidden inside a function
to dodge a cycle, every status written only by its document's lifecycle, and the
lifecycle tables in docs/architecture.md generated from the code."""

import ast
from pathlib import Path

import pytest

from integrations.services.lifecycle import (
    CREATED,
    LIFECYCLES,
    TransitionNotAllowed,
    lifecycle_markdown,
)
from portal.management.commands.lifecycle_tables import load_lifecycles

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "suppliers", "inventory", "integrations")
MAX_LINES = 600

# What may stand at the top of an app besides its layer packages: Django's own modules,
# and the integration layer's kernel that every layer below its models uses.
APP_ROOT_MODULES = {
    "suppliers": {"__init__.py", "apps.py", "admin.py"},
    "inventory": {"__init__.py", "apps.py", "admin.py"},
    "integrations": {
        "__init__.py",
        "apps.py",
        "admin.py",
        "contracts.py",
        "correlation.py",
        "errors.py",
        "labels.py",
        "metrics.py",
        "money.py",
        "prepared_sql.py",
        "spreadsheets.py",
        "versioned_counts.py",
        "worker.py",
    },
}
LAYER_PACKAGES = {
    "models",
    "services",
    "selectors",
    "forms",
    "views",
    "api",
    "resources",
    "tasks",
    "urls",
    "edi",
    "erp",
    "demo",
    "management",
    "migrations",
    "templatetags",
    "connectors",
    "x12",
    "schemas",
    # An app's translation catalog, where Django looks for it (not code).
    "locale",
}

# The modules that write a document's status, always checked against its lifecycle table:
# one row at a time and with the ORM, or set-based in SQL.
STATUS_WRITERS = {
    ROOT / "integrations" / "services" / "lifecycle.py",
    ROOT / "integrations" / "services" / "lifecycle_sql.py",
}
# Rows that carry a status but are not documents, with the number of status writes each
# module may hold (a new one must be looked at): the outbox's delivery queue, whose claim
# and write-back are set-based compare-and-sets for throughput (DESIGN §5); the EDI
# traffic log, whose rows record what a file was when it was read; a stock snapshot's
# ingest outcome, written once when its load ends.
NOT_DOCUMENTS = {
    ROOT / "integrations" / "services" / "dispatch.py": "outbox delivery queue",
    ROOT / "integrations" / "services" / "deliveries.py": "outbox delivery queue",
    ROOT / "integrations" / "services" / "events.py": "outbox delivery queue",
    ROOT / "integrations" / "demo" / "connectors.py": "outbox delivery queue (seeded dead letter)",
    ROOT / "integrations" / "connectors" / "edi_x12.py": "EDI traffic log",
    ROOT / "integrations" / "services" / "edi_intake.py": "EDI traffic log",
    ROOT / "inventory" / "services" / "snapshots.py": "snapshot ingest outcome",
}


def _app_sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def test_every_app_keeps_its_modules_in_layer_packages():
    strays = []
    for app, allowed in APP_ROOT_MODULES.items():
        for entry in (ROOT / app).iterdir():
            if entry.name.startswith((".", "__pycache__")):
                continue
            if entry.is_dir():
                if entry.name not in LAYER_PACKAGES:
                    strays.append(f"{app}/{entry.name}/")
            elif entry.suffix == ".py" and entry.name not in allowed:
                strays.append(f"{app}/{entry.name}")
    assert strays == []


def test_no_module_is_longer_than_six_hundred_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in _app_sources()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def _imports_inside_functions(path: Path) -> list[str]:
    found = []

    class Visitor(ast.NodeVisitor):
        def __init__(self) -> None:
            self.function = None

        def visit_FunctionDef(self, node):
            outer, self.function = self.function, node.name
            self.generic_visit(node)
            self.function = outer

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Import(self, node):
            self._check(node, [alias.name for alias in node.names])

        def visit_ImportFrom(self, node):
            self._check(node, [node.module or ""])

        def _check(self, node, modules):
            # AppConfig.ready() is where Django wants start-up imports of app code.
            if self.function in (None, "ready"):
                return
            for module in modules:
                if module.split(".")[0] in APPS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {module}")

    Visitor().visit(_tree(path))
    return found


def test_no_app_module_imports_our_code_inside_a_function():
    found = [hit for path in _app_sources() for hit in _imports_inside_functions(path)]
    assert found == []


def _status_writes(path: Path) -> list[str]:
    hits = []
    for node in ast.walk(_tree(path)):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    hits.append(f"{where} assigns .status")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr == "update" and any(k.arg == "status" for k in node.keywords):
                hits.append(f"{where} update(status=...)")
            if node.func.attr == "bulk_update":
                fields = node.args[1] if len(node.args) > 1 else None
                for keyword in node.keywords:
                    if keyword.arg == "fields":
                        fields = keyword.value
                if fields is not None and "status" in ast.unparse(fields):
                    hits.append(f"{where} bulk_update of status")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = " ".join(node.value.upper().split())
            if text.startswith("UPDATE ") and (" SET STATUS" in text or ", STATUS =" in text):
                hits.append(f"{where} SQL UPDATE of status")
    return hits


def test_statuses_are_written_only_by_the_lifecycles():
    writes = [
        hit
        for path in _app_sources()
        if path not in STATUS_WRITERS and path not in NOT_DOCUMENTS
        for hit in _status_writes(path)
    ]
    assert writes == []


def test_the_guard_sees_a_status_written_outside_a_lifecycle(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(po, qs, objs):\n"
        "    po.status = 'received'\n"
        "    qs.update(status='received')\n"
        "    Model.objects.bulk_update(objs, ['status'])\n"
    )
    assert len(_status_writes(sample)) == 3


# The documents of issue 14 ("one life per document"), by model.
LIFECYCLE_MODELS = {
    "suppliers.PurchaseOrder",
    "suppliers.PurchaseOrderLine",
    "suppliers.Acknowledgment",
    "suppliers.Shipment",
    "suppliers.Receipt",
    "suppliers.Invoice",
    "suppliers.Supplier",
    "integrations.ExceptionCase",
}


def _lifecycles_by_model() -> dict:
    load_lifecycles()
    return {lifecycle.model._meta.label: lifecycle for lifecycle in LIFECYCLES.values()}


def test_every_document_has_a_lifecycle_table():
    assert LIFECYCLE_MODELS - set(_lifecycles_by_model()) == set()


@pytest.mark.parametrize("label", sorted(LIFECYCLE_MODELS))
def test_every_state_of_a_document_is_reachable_in_its_table(label):
    lifecycle = _lifecycles_by_model()[label]
    reached = {move.target for move in lifecycle.moves}
    assert set(lifecycle.states) - reached == set()
    assert lifecycle.initial_states(), "a document is created in some state"


def test_a_move_missing_from_the_table_is_refused_before_anything_is_saved():
    load_lifecycles()
    columns = [
        lifecycle
        for lifecycle in LIFECYCLES.values()
        # An invitation's status is read from its dates; its own tests walk its table.
        if any(f.name == lifecycle.field for f in lifecycle.model._meta.concrete_fields)
    ]
    assert len(columns) >= len(LIFECYCLE_MODELS)
    for lifecycle in columns:
        for source in [CREATED, *lifecycle.states]:
            for target in lifecycle.states:
                if lifecycle.find(source, target) is not None or source == CREATED:
                    continue
                document = lifecycle.model(**{lifecycle.field: source})
                with pytest.raises(TransitionNotAllowed):
                    # Unsaved: a refused move must fail before it touches the database.
                    lifecycle.move(document, to=target, actor=None, channel="system")


def test_the_architecture_document_holds_the_tables_the_code_declares():
    load_lifecycles()
    text = (ROOT / "docs" / "architecture.md").read_text()
    begin, end = "<!-- lifecycle-tables:begin -->", "<!-- lifecycle-tables:end -->"
    generated = text.split(begin, 1)[1].split(end, 1)[0].strip()
    assert generated == lifecycle_markdown().strip(), (
        "docs/architecture.md is out of date: run `python manage.py lifecycle_tables --write`"
    )
