"""The audit log's paging cursor, as read from a query string."""

import pytest

import audit


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("42", 42), ("abc", None), ("-1", None), ("9" * 19, None), ("１２", None)],
)
def test_cursor_from_a_query_string_is_a_plausible_id_or_nothing(value, expected):
    assert audit.parse_cursor(value) == expected
