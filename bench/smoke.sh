#!/usr/bin/env bash
# Every benchmark in its smoke size, one after another (DESIGN §9, issue 24): small data,
# one short round, the figures and no verdict. A benchmark that no longer starts fails
# this script, so CI notices the day it rots instead of the day someone needs its figures.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_ci bench/smoke.sh
#   bench/smoke.sh --list        # the benchmarks it runs, one per line
#
# Every bench/*.py is a benchmark and must take --smoke, except helper modules (a name
# starting with `_`) and the Django settings and URLs the HTTP benchmarks serve under. Each
# runs against the PostgreSQL database named by DATABASE_URL, migrates it and creates and
# drops what it needs there. bench/outbox.py also needs Redis (CELERY_BROKER_URL, default
# redis://127.0.0.1:6379/4; it purges that broker's queue). All of them: under ~2 minutes
# on 2 shared cores. Exit status: 0 when every benchmark ran, 1 when one did not, 2 when
# this script cannot start.
# One benchmark judges in smoke size: bench/reconcile_truth.py fails unless 100 % on all four.
set -uo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
# Per benchmark, generous: a hung benchmark (a server that never answers) fails the run
# instead of holding CI. SIGINT first, so its `finally` stops gunicorn or the worker.
TIMEOUT=${BENCH_SMOKE_TIMEOUT:-180}
# bench/peer_tryton.py builds Tryton's template database on a fresh machine first (~45 s
# quiet, ~150 s loaded) before its own ~60 s: it gets more.
PEER_TIMEOUT=${BENCH_SMOKE_PEER_TIMEOUT:-480}

benchmarks() {
  local path name
  for path in bench/*.py; do
    name=$(basename "$path" .py)
    case "$name" in
      _* | settings | urls) continue ;;
    esac
    echo "$path"
  done
}

if [[ "${1:-}" == "--list" ]]; then
  benchmarks
  exit 0
fi
if [[ $# -gt 0 ]]; then
  echo "usage: DATABASE_URL=postgres://… $0 [--list]" >&2
  exit 2
fi
case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *)
    echo "bench/smoke.sh: set DATABASE_URL to a PostgreSQL database (postgres://…)" >&2
    exit 2
    ;;
esac

started=$SECONDS
failed=()
summary=()
for bench in $(benchmarks); do
  echo "== $bench --smoke (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  began=$SECONDS
  limit=$TIMEOUT
  [[ "$bench" == bench/peer_tryton.py ]] && limit=$PEER_TIMEOUT
  timeout --signal=INT --kill-after=30 "$limit" "$PYTHON" "$bench" --smoke
  status=$?
  took=$((SECONDS - began))
  if [[ $status -eq 0 ]]; then
    summary+=("ok      ${took}s  $bench")
  else
    [[ $status -eq 124 ]] && echo "== $bench: still running after ${limit}s, stopped"
    summary+=("FAILED  ${took}s  $bench (exit status $status)")
    failed+=("$bench")
  fi
done

echo "== benchmarks in smoke size, $((SECONDS - started))s in all:"
printf '   %s\n' "${summary[@]}"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "== ${#failed[@]} benchmark(s) did not run: ${failed[*]}" >&2
  exit 1
fi
