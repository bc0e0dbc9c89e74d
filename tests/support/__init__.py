"""Helpers for every test tier, imported as `from tests.support.X import ...`.

Nothing here imports tests.conftest: conftest holds fixtures and imports
these modules, never the other way round.
"""
