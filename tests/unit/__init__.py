"""Pure functions over plain values: no PostgreSQL, no Redis, no app (conftest.py here refuses them)."""
