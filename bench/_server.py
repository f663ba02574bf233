"""The HTTP side of the page benchmarks (bench/po_list.py, bench/api.py): gunicorn with 2
sync workers under bench/settings.py on a free loopback port, stopped as one process group,
and the load: `wrk` when installed, else the Python load generator of bench/_common.py."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from _common import ROOT, load

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        print("gunicorn missing from .venv: pip install 'gunicorn>=22,<24'")
        subprocess.run([ROOT / ".venv/bin/pip", "install", "gunicorn>=22,<24"], check=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    return subprocess.Popen(
        [
            str(gunicorn),
            "portal.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,  # its own process group, stopped as one at the end
    )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    # The master stops its workers itself; the whole group is killed only if it hangs.
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def get(url: str, cookie: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is a failed check, not followed
        return None


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if get(base + "/bench/bare/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {timeout:g} s")


def settle(base: str, process: subprocess.Popen, *, rate: float, connections: int) -> None:
    """Let the server finish what a load run left queued before the next target starts:
    each connection's last request is still served after the client stops, and the next
    target would pay for it (a slow page would make the bare view after it look slow).
    By Little's law that backlog takes about connections ÷ rate seconds; when nothing
    finished at all, wait until the server answers again, then as long once more."""
    if rate:
        time.sleep(min(30.0, connections / rate))
        return
    started = time.monotonic()
    wait_ready(base, process, timeout=120)
    time.sleep(min(30.0, time.monotonic() - started))


def ensure_wrk(*, install: bool) -> str | None:
    """The `wrk` binary; apt-get installs it when absent and `install` is set, else None
    (smoke: the Python load generator then drives the server)."""
    wrk = shutil.which("wrk")
    if wrk or not install:
        return wrk
    print("wrk not installed: apt-get install -y wrk (Debian package)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is still missing after apt-get install")
    return wrk


def run_wrk(wrk: str, url: str, *, cookie: str, seconds: float, connections: int) -> float:
    """Requests/s over `seconds`; any non-2xx response fails the run (a redirect to login or
    to MFA setup would otherwise be measured as a very fast PO list)."""
    command = [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw failed requests on {url}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    # 0 when no request finished within `seconds`: a page that slow is a figure (and a
    # missed budget), not a failure of the bench.
    return float(match.group(1))


def measure(
    wrk: str | None, port: int, path: str, *, cookie: str, seconds: float, connections: int
) -> float:
    """Requests/s of `path` with `wrk`, or with the Python load generator when there is
    none (its threads share the CPUs with the server: slower, but the same checks)."""
    if wrk:
        return run_wrk(
            wrk,
            f"http://{HOST}:{port}{path}",
            cookie=cookie,
            seconds=seconds,
            connections=connections,
        )
    headers = {"Cookie": cookie} if cookie else {}
    return load(
        HOST,
        port,
        lambda: ("GET", path, headers, None),
        seconds=seconds,
        concurrency=connections,
        expect=200,
    )["rps"]
