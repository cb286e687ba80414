"""Hypothesis profiles: "ci" is fixed and reproducible, "dev" the default.

HYPOTHESIS_PROFILE picks one; without it CI=true picks "ci". In CI the same
examples run every time (derandomize: the seed is a hash of the test), no
example database is read or written, and no example is failed for being slow
(a shared machine is slow at times). `make test` passes
`--hypothesis-show-statistics`, so CI's log lists how many examples each
property ran ("N passing, 0 failing, and M invalid test cases").

Pure properties run the profile's max_examples; the ones with a database run
DB_EXAMPLES, because every example writes and sweeps real rows.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev")
settings.load_profile(PROFILE)

DB_EXAMPLES = 25 if PROFILE == "ci" else 15
