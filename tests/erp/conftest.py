"""A real trytond for the `erp` tests.

Once per session: install `.venv-erp` if missing, build the Tryton database from
`tests/erp/tryton_spec.json` (or reuse the cached template `var/erp/template-<hash>.sqlite`,
the hash covering the build script, its config, the spec and the ERP requirements), copy it
to a temporary directory and start `trytond` on a free loopback port. When the portal runs
on PostgreSQL (`DATABASE_URL`, as in CI), Tryton does too, as in production: the template
is a PostgreSQL database `tryton_tpl_<hash>` and each session gets a copy of it. Every
test then talks to it over JSON-RPC, like production.
"""

import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from integrations.connectors import ConnectorError
from integrations.connectors.tryton.client import TrytonClient, forget_thread_clients
from tests.integrations.factories import ConnectorFactory

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-erp"
SPEC = Path(__file__).with_name("tryton_spec.json")
PASSWORD = "admin"
INSTALL_TIMEOUT = 900
BUILD_TIMEOUT = 900
READY_TIMEOUT = 60


def _bin(name: str) -> Path:
    return VENV / "bin" / name


def _ensure_venv() -> None:
    if _bin("trytond").exists():
        return
    with _lock("venv"):
        if _bin("trytond").exists():
            return
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=120)
        subprocess.run(
            [
                str(_bin("pip")),
                "install",
                "--quiet",
                "--require-hashes",
                "-r",
                str(ROOT / "requirements-erp.lock"),
            ],
            check=True,
            timeout=INSTALL_TIMEOUT,
        )


class _lock:
    """An exclusive file lock, so parallel test sessions build the template once."""

    def __init__(self, name: str) -> None:
        (ROOT / "var" / "erp").mkdir(parents=True, exist_ok=True)
        self.path = ROOT / "var" / "erp" / f".{name}.lock"

    def __enter__(self):
        self.handle = open(self.path, "w")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def template_path() -> Path:
    digest = hashlib.sha256()
    for path in (
        ROOT / "erp" / "build_db.py",
        ROOT / "erp" / "trytond.conf",
        ROOT / "requirements-erp.lock",
        SPEC,
    ):
        digest.update(path.read_bytes())
    return ROOT / "var" / "erp" / f"template-{digest.hexdigest()[:12]}.sqlite"


def _ensure_template() -> Path:
    template = template_path()
    if template.exists():
        return template
    with _lock("build"):
        if not template.exists():
            subprocess.run(
                [
                    str(_bin("python")),
                    str(ROOT / "erp" / "build_db.py"),
                    "--spec",
                    str(SPEC),
                    "--output",
                    str(template),
                ],
                check=True,
                timeout=BUILD_TIMEOUT,
                env={**os.environ, "TRYTON_PASSWORD": PASSWORD},
                stdout=subprocess.DEVNULL,
            )
    return template


def postgresql_uri() -> str:
    """Tryton on PostgreSQL, as in production, when the portal's DATABASE_URL points
    there (CI) and the ERP venv has the driver; SQLite otherwise (the embedded default)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return ""
    probe = subprocess.run([str(_bin("python")), "-c", "import psycopg_pool"], check=False)
    if probe.returncode != 0:
        return ""  # requirements-erp.lock without psycopg yet: stay on SQLite
    return f"postgresql://{urlsplit(url).netloc}/"


def _postgresql_config(uri: str) -> Path:
    """erp/trytond.conf with the PostgreSQL URI (the file wins over the environment)."""
    text = (ROOT / "erp" / "trytond.conf").read_text().replace("uri = sqlite://", f"uri = {uri}")
    path = (
        ROOT / "var" / "erp" / f"trytond-pg-{hashlib.sha256(text.encode()).hexdigest()[:12]}.conf"
    )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return path


def _postgresql(uri: str, sql: str) -> None:
    with psycopg.connect(uri.rstrip("/") + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _ensure_postgresql_template(uri: str, config: Path) -> str:
    marker = template_path().with_suffix(".pg")
    name = f"tryton_tpl_{marker.stem.split('-')[-1]}"
    if marker.exists():
        return name
    with _lock("build"):
        if not marker.exists():
            # A build that died half-way leaves its database behind: start clean.
            _postgresql(uri, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            subprocess.run(
                [
                    str(_bin("python")),
                    str(ROOT / "erp" / "build_db.py"),
                    "--spec",
                    str(SPEC),
                    "--config",
                    str(config),
                    "--database",
                    name,
                    "--output",
                    str(marker),
                ],
                check=True,
                timeout=BUILD_TIMEOUT,
                env={**os.environ, "TRYTON_PASSWORD": PASSWORD},
                stdout=subprocess.DEVNULL,
            )
    return name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TrytonServer:
    """One trytond subprocess over a copy of the template; stop() and start() again
    keep the same port and database (the outage tests)."""

    def __init__(
        self, directory: Path, *, database: str = "tryton", config: Path | None = None
    ) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = database
        self.config = config or ROOT / "erp" / "trytond.conf"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "TRYTOND_DATABASE__PATH": str(self.directory),
            "TRYTOND_WEB__LISTEN": f"127.0.0.1:{self.port}",
        }
        self.log = open(self.directory / "trytond.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(_bin("trytond")), "-c", str(self.config)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"trytond exited: see {self.directory / 'trytond.log'}")
            try:
                self.client().login()
                return
            except ConnectorError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"trytond not ready after {READY_TIMEOUT} s: see "
                        f"{self.directory / 'trytond.log'}"
                    ) from None
                time.sleep(0.2)

    def restart_cold(self) -> None:
        """Stop trytond and start it again without logging in: its database pool is not
        loaded yet, as after a crash or a deploy (answers HTTP 503 to an old session)."""
        self.process.terminate()
        self.process.wait(timeout=15)
        env = {
            **os.environ,
            "TRYTOND_DATABASE__PATH": str(self.directory),
            "TRYTOND_WEB__LISTEN": f"127.0.0.1:{self.port}",
        }
        self.process = subprocess.Popen(
            [str(_bin("trytond")), "-c", str(self.config)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("trytond did not listen again")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None
        forget_thread_clients()

    def client(self) -> TrytonClient:
        return TrytonClient(
            url=self.url, database=self.database, username="admin", password=PASSWORD, timeout=30
        )


@pytest.fixture(scope="session")
def trytond_server(tmp_path_factory):
    _ensure_venv()
    directory = tmp_path_factory.mktemp("trytond")
    uri = postgresql_uri()
    if uri:
        config = _postgresql_config(uri)
        template = _ensure_postgresql_template(uri, config)
        database = f"tryton_s{os.getpid()}"
        _postgresql(uri, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _postgresql(uri, f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
        server = TrytonServer(directory, database=database, config=config)
    else:
        shutil.copyfile(_ensure_template(), directory / "tryton.sqlite")
        server = TrytonServer(directory)
    server.start()
    yield server
    server.stop()
    if uri:
        _postgresql(uri, f'DROP DATABASE IF EXISTS "{server.database}" WITH (FORCE)')


@pytest.fixture
def tryton(trytond_server):
    """A JSON-RPC client for the test's own actions in Tryton (create, receive)."""
    if trytond_server.process is None:
        trytond_server.start()
    client = trytond_server.client()
    yield client
    client.close()
    forget_thread_clients()


@pytest.fixture
def tryton_connector(db, trytond_server, monkeypatch):
    monkeypatch.setenv("TEST_TRYTON_PASSWORD", PASSWORD)
    return ConnectorFactory(
        kind="tryton",
        name="erp",
        label="ERP (Tryton)",
        config={
            "url": trytond_server.url,
            "database": trytond_server.database,
            "username": "admin",
            "password_env": "TEST_TRYTON_PASSWORD",
        },
        event_types=[
            "purchase_order.acknowledged",
            "purchase_order.change_decided",
            "asn.*",
            "invoice.approved",
        ],
        timeout_seconds=10.0,
        lease_seconds=60,
        breaker_threshold=2,
        breaker_cooldown_seconds=60,
        max_attempts=10,
    )
