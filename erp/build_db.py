"""Build the local Tryton database the portal's `tryton` connector talks to.

Run it with the ERP's own interpreter, never the portal's:

    .venv-erp/bin/python erp/build_db.py --spec var/erp/demo-spec.json \
        --output var/erp/tryton.sqlite

It creates an SQLite database with the purchase and stock modules, a company with a
chart of accounts and fiscal years, a payment term, a payment method ("Bank transfer",
cash journal), purchases invoiced manually (the supplier invoices in the portal and the
approved invoice comes to Tryton as a draft), the suppliers (party code = the
portal's `Supplier.erp_vendor_id`), the products (product code = the portal's `Item.sku`),
the warehouses (location code = the portal's `Warehouse.code`) and confirmed purchases,
as the spec file lists them. Purchase numbers come from a sequence with the prefix
"PO-T", so they never collide with POs imported from elsewhere.

The file is written atomically: a half-built database never appears under --output.
"""

import argparse
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CONFIG = HERE / "trytond.conf"
DB_NAME = "tryton"
PURCHASE_PREFIX = "PO-T"


def _postgresql_uri(config: Path) -> str:
    """The config's PostgreSQL URI, or "" for SQLite (the embedded default)."""
    for line in config.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "uri" and value.strip().startswith("postgresql://"):
            return value.strip()
    return ""


def _create_postgresql_database(uri: str, name: str) -> None:
    """trytond-admin initialises an existing database; on PostgreSQL we create it."""
    import psycopg  # trytond's own PostgreSQL driver (requirements-erp.txt)

    with psycopg.connect(uri.rstrip("/") + "/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def _admin(config: Path, directory: Path, password: str) -> None:
    """trytond-admin creates the database and activates the modules (with dependencies)."""
    # trytond-admin initialises an existing SQLite file (or PostgreSQL database); it does
    # not create one.
    uri = _postgresql_uri(config)
    if uri:
        _create_postgresql_database(uri, DB_NAME)
    (directory / f"{DB_NAME}.sqlite").touch()
    passfile = directory / ".passfile"
    passfile.write_text(password + "\n")
    env = {
        **os.environ,
        "TRYTOND_DATABASE__PATH": str(directory),
        "TRYTONPASSFILE": str(passfile),
    }
    admin = Path(sys.executable).with_name("trytond-admin")
    subprocess.run(
        [
            str(admin),
            "-c",
            str(config),
            "-d",
            DB_NAME,
            "--all",
            "--activate-dependencies",
            "-u",
            "purchase",
            "stock",
            "--email",
            "erp-admin@demo.example",
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )
    passfile.unlink()


def _warehouse(Location, code: str, name: str):
    existing = Location.find([("type", "=", "warehouse"), ("code", "=", code)])
    if existing:
        return existing[0]
    children = {}
    for kind, label in (("input", "Input"), ("storage", "Storage"), ("output", "Output")):
        child = Location(name=f"{code} {label}", code=f"{code}-{label[:3].upper()}", type="storage")
        child.save()
        children[kind] = child
    warehouse = Location(name=name, code=code, type="warehouse")
    warehouse.input_location = children["input"]
    warehouse.storage_location = children["storage"]
    warehouse.output_location = children["output"]
    warehouse.save()
    for child in children.values():
        child.parent = warehouse
        child.save()
    return warehouse


def _populate(spec: dict) -> dict:
    from proteus import Model
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts
    from trytond.modules.account_invoice.tests.tools import (
        create_payment_term,
        set_fiscalyear_invoice_sequences,
    )
    from trytond.modules.company.tests.tools import create_company, get_company

    company_spec = spec.get("company", {})
    Party = Model.get("party.party")
    Currency = Model.get("currency.currency")
    currency_code = company_spec.get("currency", "USD")
    currencies = Currency.find([("code", "=", currency_code)])
    if currencies:
        currency = currencies[0]
    else:
        currency = Currency(name=currency_code, code=currency_code, symbol=currency_code)
        currency.rounding = Decimal("0.01")
        currency.save()
    company_party = Party(name=company_spec.get("name", "Demo Distribution Inc."))
    company_party.save()
    create_company(party=company_party, currency=currency)
    company = get_company()
    create_chart(company)
    today = dt.date.today()
    # This year and the next: a template built in December still confirms in January.
    for year in (today.year, today.year + 1):
        fiscalyear = set_fiscalyear_invoice_sequences(
            create_fiscalyear(company, today=dt.date(year, 6, 1))
        )
        fiscalyear.click("create_period")
    accounts = get_accounts(company)

    Category = Model.get("product.category")
    category = Category(name="Purchased goods")
    category.accounting = True
    category.account_expense = accounts["expense"]
    category.account_revenue = accounts["revenue"]
    category.save()

    payment_term = create_payment_term()
    payment_term.save()

    Sequence = Model.get("ir.sequence")
    PurchaseConfig = Model.get("purchase.configuration")
    purchase_config = PurchaseConfig(1)
    sequence = purchase_config.purchase_sequence
    sequence = Sequence(sequence.id)
    sequence.prefix = PURCHASE_PREFIX
    sequence.padding = 5
    sequence.save()
    # The supplier invoices in the portal and the approved invoice comes to Tryton as a
    # draft (issue 19): Tryton must not draft its own invoice for the ordered quantity
    # when a purchase is confirmed ("On Order", its default).
    purchase_config = PurchaseConfig(1)
    purchase_config.purchase_invoice_method = "manual"
    purchase_config.save()

    # How accounts payable pay a posted supplier invoice (Invoice › Pay): from the cash
    # journal and account of the chart.
    Journal = Model.get("account.journal")
    (cash_journal,) = Journal.find([("type", "=", "cash")], limit=1)
    PaymentMethod = Model.get("account.invoice.payment.method")
    payment_method = PaymentMethod(name="Bank transfer", journal=cash_journal)
    payment_method.credit_account = accounts["cash"]
    payment_method.debit_account = accounts["cash"]
    payment_method.save()

    Location = Model.get("stock.location")
    warehouses = {w["code"]: _warehouse(Location, w["code"], w["name"]) for w in spec["warehouses"]}

    suppliers = {}
    for row in spec["suppliers"]:
        party = Party(name=row["name"], code=row["code"])
        party.supplier_payment_term = payment_term
        party.save()
        suppliers[row["code"]] = party

    Uom = Model.get("product.uom")
    Template = Model.get("product.template")
    products = {}
    for row in spec["products"]:
        (uom,) = Uom.find([("symbol", "=", row["uom"])], limit=1)
        template = Template(name=row["name"], code=row["code"])
        template.default_uom = uom
        template.purchase_uom = uom
        template.type = "goods"
        template.purchasable = True
        template.list_price = Decimal(row["cost"]) * 2
        template.cost_price_method = "fixed"
        template.account_category = category
        template.save()
        (product,) = template.products
        product.cost_price = Decimal(row["cost"])
        product.save()
        products[row["code"]] = product

    Purchase = Model.get("purchase.purchase")
    numbers = []
    for row in spec.get("purchases", []):
        purchase = Purchase()
        purchase.party = suppliers[row["supplier"]]
        purchase.warehouse = warehouses[row["warehouse"]]
        purchase.payment_term = payment_term
        purchase.reference = row.get("reference")
        for line_row in row["lines"]:
            line = purchase.lines.new()
            line.product = products[line_row["product"]]
            line.quantity = float(Decimal(line_row["quantity"]))
            line.unit_price = Decimal(line_row["unit_price"])
            if line_row.get("delivery_days") is not None:
                line.delivery_date_edit = True
                line.delivery_date_store = today + dt.timedelta(days=line_row["delivery_days"])
        purchase.click("quote")
        purchase.click("confirm")
        numbers.append(purchase.number)
    return {
        "company": company.rec_name,
        "warehouses": sorted(warehouses),
        "suppliers": sorted(suppliers),
        "products": sorted(products),
        "purchases": numbers,
    }


def build(*, spec_path: Path, output: Path, config: Path, password: str) -> dict:
    spec = json.loads(spec_path.read_text())
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="erp-build-", dir=output.parent) as tmp:
        directory = Path(tmp)
        _admin(config, directory, password)
        os.environ["TRYTOND_DATABASE__PATH"] = str(directory)
        from proteus import config as proteus_config

        proteus_config.set_trytond(database=DB_NAME, config_file=str(config))
        summary = _populate(spec)
        # Close trytond's connections before the file moves.
        from trytond.pool import Pool

        Pool.stop(DB_NAME)
        staged = output.with_name(f".{output.name}.tmp")
        if _postgresql_uri(config):
            # The database lives in PostgreSQL: --output is the marker that it is built.
            staged.write_text(json.dumps({"database": DB_NAME, **summary}) + "\n")
            os.replace(staged, output)
            return summary
        staged.unlink(missing_ok=True)
        # trytond runs SQLite in WAL mode: copying the main file alone would lose the
        # last transactions. The backup API reads through the log; the copy is then
        # turned into one self-contained file.
        source = sqlite3.connect(directory / f"{DB_NAME}.sqlite")
        target = sqlite3.connect(staged)
        with target:
            source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        target.close()
        source.close()
        os.replace(staged, output)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument(
        "--database",
        default="tryton",
        help="Database name (PostgreSQL: created if missing, when the config's uri is "
        "postgresql://…; --output is then a marker file).",
    )
    parser.add_argument(
        "--password-env",
        default="TRYTON_PASSWORD",
        help="Environment variable with the admin password (default 'admin' when unset).",
    )
    args = parser.parse_args(argv)
    password = os.environ.get(args.password_env) or "admin"
    globals()["DB_NAME"] = args.database  # every step below names the database
    summary = build(
        spec_path=args.spec, output=args.output.resolve(), config=args.config, password=password
    )
    print(json.dumps({"output": str(args.output), **summary}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
