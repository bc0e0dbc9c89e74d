"""The test suite, in tiers; `python -m pytest` runs them all, `python -m pytest tests/unit` the fast one.

- unit/         pure functions over plain values: no store, no app, seconds in all
- integration/  real PostgreSQL and Redis through the Flask test client
- attacks/      the same, from an attacker's side
- e2e/          real HTTP (the `live_server` fixture), a real browser, real client libraries
- fuzz/         generated requests (Hypothesis) at every endpoint and form, on real stores: never a
                5xx, RFC error formats, no traceback logged; a few per target here, `make fuzz` thousands
- support/      helpers every tier imports (`from tests.support.oauth import ...`)

conftest.py holds the fixtures; nothing imports it.
"""
