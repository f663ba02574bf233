"""What every benchmark shares: the repository on sys.path, the database it measures
(created when missing), the machine's load, a clean stop on SIGTERM, and the HTTP load
generator used where `wrk` is not installed.

Each benchmark sets every environment variable it needs itself (with `setdefault`, so a
caller's value wins): a benchmark that needs a variable nobody sets is a benchmark that
no longer starts, and nothing notices until someone wants its figures.
"""

import http.client
import os
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOOPBACK = ("127.0.0.1", "localhost")
SMOKE_HELP = (
    "smoke size for CI: small data, one short round, the figures and no verdict; "
    "exit status 0 when it ran"
)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (/proc/loadavg): the CPUs are shared, so every
    figure is printed next to how busy the machine was."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def stop_cleanly_on_sigterm() -> None:
    """SIGTERM (a CI timeout, `timeout`, `kill`) unwinds like Ctrl-C: the `finally` blocks
    that stop gunicorn, the Celery worker and the sink then run, instead of Python dying
    on the spot and leaving them serving."""

    def _exit(signum, frame) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def ensure_postgres_database(url: str) -> None:
    """Create the database named by `url` on its server when it does not exist yet. Only a
    PostgreSQL server on loopback: a benchmark floods what it talks to."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"The benchmarks measure PostgreSQL: DATABASE_URL is {url!r}.")
    info = conninfo_to_dict(url)
    if info.get("host", "localhost") not in LOOPBACK:
        raise SystemExit(f"The benchmarks only talk to 127.0.0.1, not {info.get('host')!r}.")
    name = info.get("dbname") or ""
    if not name:
        raise SystemExit(f"DATABASE_URL names no database: {url!r}")
    with psycopg.connect(**{**info, "dbname": "postgres"}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def parse_sizes(text: str) -> list[int]:
    """'100000,1000000' → [100000, 1000000], ascending (the growth is read smallest first;
    the peak memory of the process, printed after each size, is then the peak so far)."""
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise SystemExit(f"sizes must be whole numbers separated by commas, not {text!r}") from None
    if not sizes or sizes[0] <= 0:
        raise SystemExit(f"sizes must be positive, not {text!r}")
    return sizes


def growth(costs: dict[int, float]) -> tuple[int, int, float] | None:
    """(largest size, the next smaller, cost per unit at the largest ÷ at the next), or None
    with a single size. Linear work keeps this ratio near 1."""
    if len(costs) < 2:
        return None
    larger, smaller = sorted(costs)[-1], sorted(costs)[-2]
    return larger, smaller, costs[larger] / costs[smaller]


def request(host: str, port: int, method: str, path: str, headers: dict, body) -> int:
    """One request on a fresh connection (gunicorn's sync workers close them anyway)."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(
    host: str,
    port: int,
    make: Callable[[], tuple],
    *,
    seconds: float,
    concurrency: int,
    expect: int,
) -> dict:
    """Run `make()` → (method, path, headers, body) from `concurrency` threads for
    `seconds`: requests/s and the p50/p95 latency (ms) of the requests that answered
    `expect`; any other status fails the run (a redirect to the login page would otherwise
    be measured as a very fast page)."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            method, path, headers, body = make()
            started = time.perf_counter()
            status = request(host, port, method, path, headers, body)
            elapsed = time.perf_counter() - started
            with lock:
                if status == expect:
                    latencies.append(elapsed)
                else:
                    failures.append(status)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, statuses {sorted(set(failures))}")
    if not latencies:
        raise SystemExit("no request completed")
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000,
        "n": len(latencies),
    }
