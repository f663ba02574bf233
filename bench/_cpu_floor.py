"""The list pages' CPU per request in process, and Django's template engine floor (issue 24).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_polist \\
        [REDIS_URL=redis://127.0.0.1:6379/N] .venv/bin/python bench/_cpu_floor.py

Not a benchmark (no verdict, not run by `smoke.sh`): the figures behind bench/README.md's
"third pass" floor. On a CPU-bound machine (PostgreSQL, `wrk` and the workers on the same
cores) `po_list.py`'s requests/s ratios follow the ratio of CPU per request, which this
measures without the load generator's noise: the test Client, best of 5 rounds of
`time.process_time`, on the data `po_list.py` prepared (run it first), as its users; then
`Template.render` of N rows × M string cells against the same rows joined in Python.
"""

import os
import sys
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_polist")

PAGES = (
    ("bare view, signed in", "/bench/bare/", "supplier"),
    ("supplier PO list", "/orders/", "supplier"),
    ("buyer all POs", "/buyer/orders/", "buyer"),
    ("buyer review queue", "/buyer/reviews/", "buyer"),
    ("exceptions inbox", "/exceptions/", "buyer"),
    ("inbound schedule", "/buyer/inbound/", "buyer"),
)
USERS = {"supplier": "anna@northwind-fasteners.example", "buyer": "buyer@demo.example"}


def cpu_ms(call: Callable[[], object], repeat: int) -> float:
    """Best of 5 rounds: ms of this process's CPU per call."""
    call()
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(repeat):
            call()
        best = min(best, (time.process_time() - started) * 1000 / repeat)
    return best


def main() -> None:
    import django

    django.setup()
    from django.template import engines
    from django.test import Client

    from portal.models import User

    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    host = "127.0.0.1"
    anonymous = Client(HTTP_HOST=host)
    clients = {}
    for who, email in USERS.items():
        clients[who] = Client(HTTP_HOST=host)
        clients[who].force_login(User.objects.get(email=email))
    floor = cpu_ms(lambda: anonymous.get("/bench/bare/"), 200)
    print(f"{'bare view, anonymous':<24} {floor:6.2f} ms CPU/request")
    for label, path, who in PAGES:
        client = clients[who]
        ms = cpu_ms(lambda c=client, p=path: c.get(p), 200 if path == "/bench/bare/" else 20)
        print(f"{label:<24} {ms:6.2f} ms CPU/request (bare anonymous ÷ this: {floor / ms:.3f})")
    django_engine = engines["django"]
    loop = django_engine.from_string(
        "{% for r in rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}"
    )
    for n, m in ((25, 10), (100, 10)):
        rows = [[f"cell {i}-{j} & co" for j in range(m)] for i in range(n)]
        cells = "".join(f"<td>{{{{ r.{j} }}}}</td>" for j in range(m))
        per_cell = django_engine.from_string(f"{{% for r in rows %}}<tr>{cells}</tr>{{% endfor %}}")
        by_loop = cpu_ms(lambda r=rows: loop.render({"rows": r}), 200)
        by_cell = cpu_ms(lambda t=per_cell, r=rows: t.render({"rows": r}), 200)
        in_python = cpu_ms(
            lambda r=rows: "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in r
            ),
            200,
        )
        print(
            f"{n} rows × {m} cells: template loop over the cells {by_loop:.2f} ms, "
            f"one variable per cell {by_cell:.2f} ms, Python join with escape {in_python:.3f} ms"
        )


if __name__ == "__main__":
    main()
