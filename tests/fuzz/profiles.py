"""Hypothesis profiles for the fuzz suite, chosen by FUZZ_PROFILE.

- `ci` (the default, part of `make test`): a few derandomized examples per
  target, the same on every run, seconds in all.
- `campaign` (`make fuzz`): thousands of examples per target from the seed
  the Makefile passes (`--hypothesis-seed`), minutes in all.

Neither keeps a database of examples: nothing is written into the working
tree, and a failure is reported with the smallest example Hypothesis shrank
it to (the campaign also prints a blob to replay it with @reproduce_failure).
"""

import os

from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "FUZZ_PROFILE"
_COMMON = {
    "database": None,
    "deadline": None,  # the stores' latency is not the property under test
    # Fixtures (app, test clients) are shared by a target's examples on purpose:
    # every property holds whatever state the earlier examples left.
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}
settings.register_profile("ci", max_examples=6, derandomize=True, print_blob=False, **_COMMON)
# FUZZ_EXAMPLES sets the campaign's examples per target (a quick look: 200).
_CAMPAIGN_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
settings.register_profile("campaign", max_examples=_CAMPAIGN_EXAMPLES, print_blob=True, **_COMMON)


def load() -> str:
    """Load the profile FUZZ_PROFILE names (default `ci`); return its name."""
    name = os.environ.get(PROFILE_VARIABLE, "ci")
    settings.load_profile(name)
    return name


def budget(share: float) -> settings:
    """Settings for a target that gets `share` of the profile's examples (slow targets: password hashing)."""
    return settings(max_examples=max(2, round(settings.default.max_examples * share)))
