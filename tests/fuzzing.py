"""How long the property and schema tests explore (issue 18).

`make test` (and CI) run the `deterministic` profile: Hypothesis derandomized (examples
drawn from a fixed seed per test), no example database, so a run passes or fails the same
way on every machine. `HYPOTHESIS_PROFILE=fuzz` (for `make fuzz`) explores at random,
`FUZZ_FACTOR` times longer where a test sizes its budget with `examples()`, and saves
every failing example under var/hypothesis, where later fuzz runs replay it first."""

import os
from pathlib import Path

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "var" / "hypothesis"
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "deterministic")
FUZZ_FACTOR = int(os.environ.get("FUZZ_FACTOR", "20"))


def load_profile() -> None:
    """Register both profiles and load the chosen one; before any test module is
    imported, since a test's @settings take unset values from the profile loaded then."""
    settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
    settings.register_profile(
        "fuzz",
        derandomize=False,
        database=DirectoryBasedExampleDatabase(EXAMPLES_DIR),
        print_blob=True,
    )
    settings.load_profile(PROFILE)


def examples(budget: int) -> int:
    """A test's max_examples: `budget` in the deterministic run, FUZZ_FACTOR times it when
    fuzzing."""
    return budget * FUZZ_FACTOR if PROFILE == "fuzz" else budget
