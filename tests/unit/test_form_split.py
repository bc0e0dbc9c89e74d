"""A urlencoded body is split as Werkzeug splits it, with or without escapes."""

from urllib.parse import parse_qsl

import pytest

from web import request_guard


@pytest.mark.parametrize(
    "body",
    ["grant_type=client_credentials&scope=read:data", "a", "a=", "=b", "a=b=c", "&&a=1&&b&", "", "é=ü&x=1"],
)
def test_a_body_with_nothing_escaped_splits_as_werkzeug_splits_it(body):
    assert request_guard._split_form(body) == parse_qsl(body, keep_blank_values=True)


def test_an_escaped_body_is_decoded_and_a_bad_escape_kept_as_typed():
    assert request_guard._split_form("scope=read%3Adata+write%3Adata&x=%zz") == [
        ("scope", "read:data write:data"),
        ("x", "%zz"),
    ]
