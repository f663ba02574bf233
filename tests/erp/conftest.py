"""A real trytond for the `erp` tests.

Once per session: install `.venv-erp` if missing, build the Tryton database from
`tests/erp/tryton_spec.json` (or reuse the cached template `var/erp/template-<hash>.sqlite`,
the hash covering the build script, its config, the spec and the ERP requirements), copy it
to a temporary directory and start `trytond` on a free loopback port. Every test then talks
to it over JSON-RPC, like production.
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TrytonServer:
    """One trytond subprocess over a copy of the template; stop() and start() again
    keep the same port and database (the outage tests)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database = "tryton"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "TRYTOND_DATABASE__PATH": str(self.directory),
            "TRYTOND_WEB__LISTEN": f"127.0.0.1:{self.port}",
        }
        self.log = open(self.directory / "trytond.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(_bin("trytond")), "-c", str(ROOT / "erp" / "trytond.conf")],
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
    template = _ensure_template()
    directory = tmp_path_factory.mktemp("trytond")
    shutil.copyfile(template, directory / "tryton.sqlite")
    server = TrytonServer(directory)
    server.start()
    yield server
    server.stop()


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
        event_types=["purchase_order.acknowledged", "purchase_order.change_decided", "asn.*"],
        timeout_seconds=10.0,
        lease_seconds=60,
        breaker_threshold=2,
        breaker_cooldown_seconds=60,
        max_attempts=10,
    )
