"""The demo distributor that `manage.py seed_demo` creates: `catalog` (fixed names and
word lists), `plan` (deterministic rows in memory), `load` (bulk inserts of what is missing)."""
